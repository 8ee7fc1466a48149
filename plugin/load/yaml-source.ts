// Parses one user YAML file into plain values with positions, within the limits (limits.ts):
// a linear pre-scan (yaml-precheck.ts) refuses what the parser could not afford (too much
// structure, too deep) before the parser sees it; conversion then counts nodes with aliases
// expanded, alias references, depth and scalar length. Keys that would touch prototypes are refused.
import { getHeapStatistics } from 'node:v8';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError, type Problem, type SourcePos } from '../errors.ts';
import { readSimpleYaml } from './fast-user-yaml.ts';
import { setKeyPos, setNodePos } from './located.ts';
import type { Limits } from './limits.ts';
import { depthError, precheckDepth, structureProblem, yamlStructureCount } from './yaml-precheck.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** YAML errors shown for one file; the rest are summarised (a garbage file has one per token). */
const MAX_SHOWN_ERRORS = 10;

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
 * repository so, and read it again with positions when there is a finding to word). `structure` is
 * the text's yamlStructureCount, when the caller has it already (repository.ts's readYaml).
 */
export function parseYamlFile(file: string, text: string, limits: Limits, positions = true, structure = yamlStructureCount(text)): ParsedYaml {
  if (text.length > limits.maxFileBytes) {
    // repository.ts refuses big files before reading them; this covers text from anywhere else
    throw new UserError({ pos: { file, line: 1, column: 1 }, message: `file is ${text.length} characters, over the limit of ${limits.maxFileBytes}`, hint: 'policy files are small; split or trim it (docs/limits.md)' });
  }
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
