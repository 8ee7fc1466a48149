// A small YAML writer for JSON data: block style, keys sorted (apiVersion/kind/metadata first),
// strings quoted unless plainly safe. Same data, same bytes, without a general-purpose
// serializer's cost on the hot path. (Lines pushed to an array and joined once measure faster
// than appending to one string, and keep the heap smaller: docs/performance.md.)
//
// A render runs this mostly as cold code, which V8 does not inline: the type tests are written
// out in the two walking functions instead of small helpers, and a mapping's emptiness is seen
// from what its own walk wrote (a seed render made ~12 000 calls to such helpers; "Calls" in
// docs/performance.md).
import { sortInCodeUnitOrder } from '../code-unit-order.ts';
import { jsonLine } from '../json-line.ts';

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~|nan|inf)$/i;
const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'spec'];
const METADATA_ORDER = ['name', 'namespace', 'labels', 'annotations'];

export function scalar(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) ? v : jsonLine(v)!;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'boolean' || v === null) return String(v);
  throw new Error(`cannot write ${typeof v} as YAML`);
}

/** scalar() of a string, remembered: keys, names and labels repeat across thousands of resources. */
const seen = new Map<string, string>();
function str(s: string): string {
  let out = seen.get(s);
  if (out === undefined) {
    out = scalar(s);
    if (s.length <= 64 && seen.size < 50_000) seen.set(s, out);
  }
  return out;
}

function orderedKeys(obj: Record<string, unknown>, order: string[] | undefined): string[] {
  let keys = Object.keys(obj);
  // (parsed text holds no undefined)
  for (let i = 0; i < keys.length; i++) {
    if (obj[keys[i]!] === undefined) {
      keys = keys.filter((x) => obj[x] !== undefined);
      break;
    }
  }
  if (keys.length > 1) sortInCodeUnitOrder(keys);
  if (!order) return keys;
  // the keys of `order` that obj has, in that order, then the others (sorted)
  const out: string[] = [];
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    if (Object.hasOwn(obj, k) && obj[k] !== undefined) out.push(k);
  }
  if (out.length === 0) return keys;
  for (let i = 0; i < keys.length; i++) if (!order.includes(keys[i]!)) out.push(keys[i]!);
  return out;
}

/** The lines of a mapping's entries; none for an empty one. */
function writeMap(obj: Record<string, unknown>, indent: string, out: string[], order?: string[], firstPrefix?: string): void {
  const keys = orderedKeys(obj, order);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : indent;
    let key = seen.get(k);
    if (key === undefined) key = str(k);
    if (typeof v !== 'object' || v === null) {
      out.push(`${lead}${key}: ${typeof v === 'string' ? (seen.get(v) ?? str(v)) : scalar(v)}`);
    } else if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${lead}${key}: []`);
      else {
        out.push(`${lead}${key}:`);
        writeSeq(v, indent + '  ', out);
      }
    } else {
      const at = out.length;
      out.push(`${lead}${key}:`);
      writeMap(v as Record<string, unknown>, indent + '  ', out, k === 'metadata' && order === TOP_ORDER ? METADATA_ORDER : undefined);
      if (out.length === at + 1) out[at] = `${lead}${key}: {}`;
    }
  }
}

/** The lines of a non-empty sequence's items. */
function writeSeq(items: unknown[], indent: string, out: string[]): void {
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null) out.push(`${indent}- ${typeof item === 'string' ? (seen.get(item) ?? str(item)) : scalar(item)}`);
    else if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${indent}- []`);
      else {
        out.push(`${indent}-`);
        writeSeq(item, indent + '  ', out);
      }
    } else {
      const at = out.length;
      writeMap(item as Record<string, unknown>, indent + '  ', out, undefined, `${indent}- `);
      if (out.length === at) out.push(`${indent}- {}`);
    }
  }
}

/** One document, without the `---` separator, ending in a newline. */
export function writeDocument(obj: Record<string, unknown>): string {
  const out: string[] = [];
  writeMap(obj, '', out, TOP_ORDER);
  return out.join('\n') + '\n';
}
