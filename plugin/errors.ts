// The three failure kinds, mapped to exit codes in one place (cli/main.ts).

/** Where in a user's file a problem comes from. Paths are relative to the repository root. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export interface Problem {
  pos?: SourcePos;
  message: string;
  hint?: string;
}

const MAX_LINE = 1000;

/**
 * Control characters (a file name may hold a line break or a terminal escape) are shown escaped,
 * so nothing in a message can forge a line, a problem or a terminal command; long text is cut.
 */
export function sanitize(value: unknown, max = MAX_LINE): string {
  const text = typeof value === 'string' ? value : String(value);
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/** `file:line:col: message` and an indented hint: the one way a problem is shown. */
export function formatProblem(p: Problem): string {
  const pos = p.pos ? `${sanitize(p.pos.file, 300)}:${p.pos.line}:${p.pos.column}: ` : '';
  return `${pos}${sanitize(p.message)}${p.hint ? `\n  hint: ${sanitize(p.hint)}` : ''}\n`;
}

/** Bad input or usage: exit 2. Carries every problem found, not just the first. */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem | Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('').trimEnd());
    this.name = 'UserError';
    this.problems = list;
  }
}

/** Findings (validate) or a denied connection (explain): exit 1. The report is already written. */
export class FindingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FindingsError';
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UserError) return 2;
  if (err instanceof FindingsError) return 1;
  return 3;
}
