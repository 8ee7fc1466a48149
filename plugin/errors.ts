// The three failure kinds, mapped to exit codes in one place (cli/main.ts).

/** Where in a user's file a problem comes from. Paths are relative to the repository root. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.column}: ` : '';
}

export interface Problem {
  pos?: SourcePos;
  message: string;
  hint?: string;
}

function formatProblem(p: Problem): string {
  return `${formatPos(p.pos)}${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
}

/** Bad input or usage: exit 2. Carries every problem found, not just the first. */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem | Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
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
