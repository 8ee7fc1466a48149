// Parses one user YAML file into plain values with positions, within the limits (limits.ts):
// a linear pre-scan refuses what the parser could not afford (too much structure, too deep) before
// the parser sees it; conversion then counts nodes with aliases expanded, alias references, depth
// and scalar length. Keys that would touch prototypes are refused.
import { getHeapStatistics } from 'node:v8';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError, type Problem, type SourcePos } from '../errors.ts';
import { readSimpleYaml } from './fast-user-yaml.ts';
import { setKeyPos, setNodePos } from './located.ts';
import type { Limits } from './limits.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** YAML errors shown for one file; the rest are summarised (a garbage file has one per token). */
const MAX_SHOWN_ERRORS = 10;

// Characters the YAML lexer turns into tokens of their own: line breaks and indicators. Each node,
// and each parse error, needs at least one, so their count bounds the parser's work.
const STRUCTURE = new Uint8Array(128);
for (const c of '\n,[]{}:-?&*!|>\'"%@`#') STRUCTURE[c.charCodeAt(0)] = 1;

/** Structure characters of a YAML text: an upper estimate of its nodes and of the parser's work. */
export function yamlStructureCount(text: string): number {
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

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

function depthError(pos: SourcePos, limits: Limits): UserError {
  return new UserError({
    pos,
    message: `nesting deeper than ${limits.maxDepth} levels`,
    hint: 'policy files are shallow; flatten the structure (the limit is documented in docs/limits.md)',
  });
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === undefined;

/**
 * Linear scan so a 10 000-deep document is refused before the parser (which recurses) spends time
 * on it. Flow depth counts brackets outside quoted scalars and comments; block depth keeps a stack
 * of indentation columns, compact "- " and "? " indicators included. Both only need to be close:
 * the exact depth is checked while converting.
 */
function precheckDepth(file: string, text: string, limits: Limits): void {
  let depth = 0;
  let quote: string | null = null;
  let prev: string | undefined; // previous character outside a quoted scalar
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        quote = null;
        prev = c;
      }
      continue;
    }
    // A quote opens a quoted scalar only where a scalar can start; inside a plain scalar (don't)
    // it is an ordinary character. A # starts a comment only after white space.
    if ((c === '"' || c === "'") && (isSpace(prev) || prev === '[' || prev === '{' || prev === ',' || prev === ':')) quote = c;
    else if (c === '#' && isSpace(prev)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth) throw depthError({ file, ...lineCol(text, i) }, limits);
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    prev = c;
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

/**
 * What the YAML parser costs per structure character at worst (a flat flow list of tiny scalars:
 * its document, the converted values and their positions), measured with yaml 2.x on Node 20.
 */
const PARSE_BYTES_PER_NODE = 1200;

/**
 * A safety net under maxNodes: when the process has less heap left than this file would take to
 * parse (a sidecar with a small memory limit, or --max-old-space-size), refuse with a clear
 * message instead of letting V8 abort with "heap out of memory".
 */
function checkHeap(file: string, structure: number): void {
  const need = structure * PARSE_BYTES_PER_NODE;
  if (need < 64 * 1024 * 1024) return;
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  if (need > free * 0.9) {
    const mb = (n: number) => Math.round(n / (1024 * 1024));
    throw new UserError({
      pos: { file, line: 1, column: 1 },
      message: `file needs about ${mb(need)} MiB to parse (about ${structure} YAML nodes), more than the ${mb(free)} MiB of memory the plugin has left`,
      hint: 'trim the file, or give the plugin more memory (the sidecar\'s memory limit, NODE_OPTIONS=--max-old-space-size); docs/limits.md',
    });
  }
}

export interface ParsedYaml {
  value: unknown;
  file: string;
}

/** Parses with stack traces off: the parser makes an Error per problem, and a stack each is costly. */
function parseQuietly(text: string, lineCounter: LineCounter): Document.Parsed {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // Duplicate keys are caught while converting (one hash lookup a key): the parser's own check
    // compares every key with every other key of the map, quadratic in a large `workloads:`.
    return parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, version: '1.2' });
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/**
 * `positions: false` records no source position on the values (load.ts: render and generate read a
 * repository so, and read it again with positions when there is a finding to word).
 */
export function parseYamlFile(file: string, text: string, limits: Limits, positions = true): ParsedYaml {
  if (text.length > limits.maxFileBytes) {
    // repository.ts refuses big files before reading them; this covers text from anywhere else
    throw new UserError({ pos: { file, line: 1, column: 1 }, message: `file is ${text.length} characters, over the limit of ${limits.maxFileBytes}`, hint: 'policy files are small; split or trim it (docs/limits.md)' });
  }
  const structure = yamlStructureCount(text);
  if (structure > limits.maxNodes) throw structureProblem(file, structure, limits.maxNodes, 'file');
  precheckDepth(file, text, limits);
  checkHeap(file, structure);

  // Fast path: the common subset of YAML, read in one pass with the same values and positions
  // (fast-user-yaml.ts); anything else, and every error, goes through the `yaml` package below.
  const simple = readSimpleYaml(file, text, limits, positions);
  if (simple) return { value: simple.value, file };

  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseQuietly(text, lc);
  } catch (e) {
    // The parser reports problems in doc.errors; a throw is one of its own limits (the stack).
    if (e instanceof RangeError) throw depthError({ file, line: 1, column: 1 }, limits);
    throw new UserError({ pos: { file, line: 1, column: 1 }, message: `cannot parse YAML: ${String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 200)}` });
  }
  const pos = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length) {
    const problems: Problem[] = doc.errors.slice(0, MAX_SHOWN_ERRORS).map((e) => {
      const first = e.message.split('\n')[0]!;
      // The parser's own stack limit surfaces as an error, not a throw.
      if (/call stack/i.test(first)) return { pos: pos(e.pos[0]), message: `nesting deeper than ${limits.maxDepth} levels`, hint: 'flatten the structure (docs/limits.md)' };
      return { pos: pos(e.pos[0]), message: `YAML: ${first.slice(0, 200)}`, hint: 'fix the YAML syntax (indentation, quotes, duplicate keys)' };
    });
    if (doc.errors.length > MAX_SHOWN_ERRORS) problems.push({ pos: { file, line: 1, column: 1 }, message: `... and ${doc.errors.length - MAX_SHOWN_ERRORS} more YAML errors in this file` });
    throw new UserError(problems);
  }

  let nodes = 0;
  let aliases = 0;
  let aliasNodes = 0;
  const maxAliasNodes = Math.max(limits.minAliasNodes, structure);
  const tooLong = (at: SourcePos, what: string, length: number) =>
    new UserError({ pos: at, message: `${what} is ${length} characters long, over the limit of ${limits.maxScalarLength}`, hint: 'names, labels, paths and hosts are short; check the value (docs/limits.md)' });

  const convert = (node: Node | null | undefined, depth: number, viaAlias: boolean): unknown => {
    const at = () => pos(node?.range?.[0] ?? 0);
    if (++nodes > limits.maxNodes) {
      throw new UserError({ pos: at(), message: `document expands to more than ${limits.maxNodes} nodes (YAML aliases multiply content)`, hint: 'write the values out instead of nesting aliases' });
    }
    if (viaAlias && ++aliasNodes > maxAliasNodes) {
      throw new UserError({ pos: at(), message: `YAML aliases expand to more than ${maxAliasNodes} nodes (at most as many as the file itself holds)`, hint: 'write the values out instead of nesting aliases (docs/limits.md)' });
    }
    if (depth > limits.maxDepth) throw depthError(at(), limits);
    if (node == null) return null;
    if (isAlias(node)) {
      if (++aliases > limits.maxAliases) {
        throw new UserError({ pos: at(), message: `more than ${limits.maxAliases} YAML alias expansions`, hint: 'write the values out instead of using aliases' });
      }
      const target = node.resolve(doc) as Node | undefined;
      if (target === undefined) throw new UserError({ pos: at(), message: `alias *${node.source} refers to no anchor`, hint: 'define the anchor (&name) before using it' });
      return convert(target, depth + 1, true);
    }
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.length > limits.maxScalarLength) throw tooLong(at(), 'a value', node.value.length);
      return node.value;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      if (positions) setNodePos(out, at());
      node.items.forEach((item, i) => {
        out.push(convert(item as Node, depth + 1, viaAlias));
        const r = (item as Node | null)?.range;
        if (r && positions) setKeyPos(out, i, pos(r[0]));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      if (positions) setNodePos(out, at());
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        const kpos = pos(keyNode?.range?.[0] ?? node.range?.[0] ?? 0);
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new UserError({ pos: kpos, message: 'map keys must be plain strings', hint: 'quote the key' });
        }
        const k = String(key);
        if (k.length > limits.maxScalarLength) throw tooLong(kpos, 'a key', k.length);
        if (FORBIDDEN_KEYS.has(k)) {
          throw new UserError({ pos: kpos, message: `key "${k}" is not allowed`, hint: 'rename the key' });
        }
        if (Object.hasOwn(out, k)) {
          throw new UserError({ pos: kpos, message: `YAML: duplicate key "${k}"`, hint: 'fix the YAML syntax (indentation, quotes, duplicate keys)' });
        }
        out[k] = convert(pair.value as Node | null, depth + 1, viaAlias);
        if (positions) setKeyPos(out, k, kpos);
      }
      return out;
    }
    throw new UserError({ pos: at(), message: 'unsupported YAML node' });
  };
  const value = convert(doc.contents as Node | null, 0, false);
  return { value, file };
}
