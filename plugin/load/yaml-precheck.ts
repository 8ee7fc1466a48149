// The linear pre-scan of a YAML text, before any parser sees it: how much structure it has (an
// upper estimate of its nodes, and of the parser's work) and whether it nests too deep. Both only
// need to be close; the exact counts are taken while converting (yaml-source.ts). They run on
// every file of every render, mostly as cold code: they let the regular-expression engine skip
// the ordinary characters, which are nearly all of a file, instead of looping over each in
// interpreted JavaScript (test/yaml-precheck.test.ts holds them to the character-by-character
// definitions).
import { UserError, type SourcePos } from '../errors.ts';
import type { Limits } from './limits.ts';

// Characters the YAML lexer turns into tokens of their own: line breaks and indicators. Each node,
// and each parse error, needs at least one, so their count bounds the parser's work.
const STRUCTURE_CHARS = '\n,[]{}:-?&*!|>\'"%@`#';
/** Runs of every other character (`]` and `-` escaped in the class). */
const NOT_STRUCTURE = new RegExp(`[^${STRUCTURE_CHARS.replace(/[\]\\^-]/g, '\\$&')}]+`, 'g');
const STRUCTURE = new Uint8Array(128);
for (const c of STRUCTURE_CHARS) STRUCTURE[c.charCodeAt(0)] = 1;
/**
 * From this length on a text is counted by a loop rather than by the regular-expression engine: a
 * loop V8 has optimized is several times faster than the engine's match after match (medium's
 * 1 MB platform.yaml: 6 – 12 ms against 25 – 30 ms), but a short text is counted before the loop
 * leaves the interpreter (practicus's 5 KB: 0.4 – 1 ms against 0.1 – 0.2 ms).
 */
export const STRUCTURE_LOOP_FROM = 64 * 1024;

/** Structure characters of a YAML text: an upper estimate of its nodes and of the parser's work. */
export function yamlStructureCount(text: string): number {
  if (text.length < STRUCTURE_LOOP_FROM) return text.replace(NOT_STRUCTURE, '').length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && STRUCTURE[c]) n++;
  }
  return n;
}

export function structureProblem(file: string, count: number, limit: number, scope: 'file' | 'repository'): UserError {
  return new UserError({
    pos: { file, line: 1, column: 1 },
    message:
      scope === 'file'
        ? `file has about ${count} YAML nodes (line breaks and indicators counted before parsing), over the limit of ${limit}`
        : `the repository's YAML files have about ${count} nodes together (counted before parsing), over the limit of ${limit}`,
    hint: 'policy files are small; split the platform or trim it (docs/limits.md)',
  });
}

export function depthError(pos: SourcePos, limits: Limits): UserError {
  return new UserError({
    pos,
    message: `nesting deeper than ${limits.maxDepth} levels`,
    hint: 'policy files are shallow; flatten the structure (the limit is documented in docs/limits.md)',
  });
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === undefined;

/** The characters the flow-depth scan acts on; every other one it passes over. */
const FLOW_SPECIAL = /["'#[\]{}]/g;
/** What ends a double-quoted scalar, or escapes the character after it. */
const DOUBLE_QUOTED_SPECIAL = /["\\]/g;

/** Where the scalar quoted at `open` ends (the offset after its closing quote), or text.length. */
function afterQuoted(text: string, open: number): number {
  if (text[open] === "'") {
    const close = text.indexOf("'", open + 1);
    return close < 0 ? text.length : close + 1;
  }
  DOUBLE_QUOTED_SPECIAL.lastIndex = open + 1;
  for (let m; (m = DOUBLE_QUOTED_SPECIAL.exec(text)); ) {
    if (m[0] === '"') return m.index + 1;
    DOUBLE_QUOTED_SPECIAL.lastIndex = m.index + 2; // the escaped character, whatever it is
  }
  return text.length;
}

/**
 * So that a 10 000-deep document is refused before the parser (which recurses) spends time on it.
 * Flow depth counts brackets outside quoted scalars and comments; block depth keeps a stack of
 * indentation columns, compact "- " and "? " indicators included.
 */
export function precheckDepth(file: string, text: string, limits: Limits): void {
  let depth = 0;
  FLOW_SPECIAL.lastIndex = 0;
  for (let m; (m = FLOW_SPECIAL.exec(text)); ) {
    const i = m.index;
    const c = m[0];
    const prev = text[i - 1];
    if (c === '"' || c === "'") {
      // A quote opens a quoted scalar only where a scalar can start; inside a plain scalar (don't)
      // it is an ordinary character.
      if (isSpace(prev) || prev === '[' || prev === '{' || prev === ',' || prev === ':') FLOW_SPECIAL.lastIndex = afterQuoted(text, i);
    } else if (c === '#') {
      // A # starts a comment only after white space.
      if (!isSpace(prev)) continue;
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      FLOW_SPECIAL.lastIndex = nl;
    } else if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth) throw depthError({ file, ...lineCol(text, i) }, limits);
    } else depth = Math.max(0, depth - 1);
  }

  const stack: number[] = [];
  const indent = /^( *)((?:[-?][ \t]+)*)(?=[^ \t\r\n#])/gm;
  let m: RegExpExecArray | null;
  while ((m = indent.exec(text))) {
    const col = m[1]!.length;
    while (stack.length && stack[stack.length - 1]! >= col) stack.pop();
    stack.push(col);
    // each compact indicator ("- - x") opens one more level
    const compact = m[2]!.match(/[-?]/g)?.length ?? 0;
    if (stack.length + compact > limits.maxDepth) throw depthError({ file, ...lineCol(text, m.index) }, limits);
    for (let k = 1; k <= compact; k++) stack.push(col + k);
    if (m[0].length === 0) indent.lastIndex++;
  }
}
