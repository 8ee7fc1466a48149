// Parses one user YAML file into plain values with positions, within the limits: depth, node count
// after alias expansion, alias count. Keys that would touch prototypes are refused.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError, type SourcePos } from '../errors.ts';
import { setKeyPos, setNodePos } from './located.ts';
import type { Limits } from './limits.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Cheap scan so a 10 000-deep document is refused before the parser spends time on it. */
function precheckDepth(file: string, text: string, limits: Limits): void {
  let depth = 0;
  let inQuote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuote) {
      if (c === '\\' && inQuote === '"') i++;
      else if (c === inQuote) inQuote = null;
      continue;
    }
    if (c === '"' || c === "'") inQuote = c;
    else if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth) throw depthError({ file, ...lineCol(text, i) }, limits);
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    }
  }
  // Block style: indentation depth. Two spaces a level is the common style; allow generous slack.
  const indent = /^( *)\S/gm;
  let m: RegExpExecArray | null;
  while ((m = indent.exec(text))) {
    if (m[1]!.length > limits.maxDepth * 8) throw depthError({ file, ...lineCol(text, m.index) }, limits);
  }
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

export interface ParsedYaml {
  value: unknown;
  file: string;
}

export function parseYamlFile(file: string, text: string, limits: Limits): ParsedYaml {
  precheckDepth(file, text, limits);
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  } catch (e) {
    // parseDocument reports multiple documents through errors; a throw here is a parser limit.
    throw new UserError({ pos: { file, line: 1, column: 1 }, message: `cannot parse YAML: ${(e as Error).message}` });
  }
  const pos = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, column: col };
  };
  const problems = doc.errors.map((e) => ({
    pos: pos(e.pos[0]),
    message: `YAML: ${e.message.split('\n')[0]}`,
    hint: 'fix the YAML syntax (indentation, quotes, duplicate keys)',
  }));
  if (problems.length) throw new UserError(problems);
  let nodes = 0;
  let aliases = 0;
  const convert = (node: Node | null | undefined, depth: number): unknown => {
    if (++nodes > limits.maxNodes) {
      throw new UserError({
        pos: pos(node?.range?.[0] ?? 0),
        message: `document expands to more than ${limits.maxNodes} nodes (YAML aliases multiply content)`,
        hint: 'write the values out instead of nesting aliases',
      });
    }
    if (depth > limits.maxDepth) throw depthError(pos(node?.range?.[0] ?? 0), limits);
    if (node == null) return null;
    if (isAlias(node)) {
      if (++aliases > limits.maxAliases) {
        throw new UserError({
          pos: pos(node.range?.[0] ?? 0),
          message: `more than ${limits.maxAliases} YAML aliases`,
          hint: 'write the values out instead of using aliases',
        });
      }
      return convert(node.resolve(doc) as Node | undefined, depth + 1);
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const out: unknown[] = [];
      setNodePos(out, pos(node.range?.[0] ?? 0));
      node.items.forEach((item, i) => {
        out.push(convert(item as Node, depth + 1));
        const r = (item as Node | null)?.range;
        if (r) setKeyPos(out, i, pos(r[0]));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      setNodePos(out, pos(node.range?.[0] ?? 0));
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        const kpos = pos(keyNode?.range?.[0] ?? node.range?.[0] ?? 0);
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new UserError({ pos: kpos, message: 'map keys must be plain strings', hint: 'quote the key' });
        }
        const k = String(key);
        if (FORBIDDEN_KEYS.has(k)) {
          throw new UserError({ pos: kpos, message: `key "${k}" is not allowed`, hint: 'rename the key' });
        }
        out[k] = convert(pair.value as Node | null, depth + 1);
        setKeyPos(out, k, kpos);
      }
      return out;
    }
    throw new UserError({ pos: pos(0), message: 'unsupported YAML node' });
  };
  const value = convert(doc.contents as Node | null, 0);
  return { value, file };
}
