// A small YAML writer for JSON data: block style, keys sorted (apiVersion/kind/metadata first),
// strings quoted unless plainly safe. Same data, same bytes, without a general-purpose
// serializer's cost on the hot path. (Lines pushed to an array and joined once measure faster
// than appending to one string, and keep the heap smaller: docs/performance.md.)
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

// Plain indexed loops below: this runs for every mapping of every resource, mostly as cold code,
// where each for-of step allocates an iterator result.
function orderedKeys(obj: Record<string, unknown>, order: string[] | undefined): string[] {
  let keys = Object.keys(obj);
  // (parsed text holds no undefined)
  for (let i = 0; i < keys.length; i++) {
    if (obj[keys[i]!] === undefined) {
      keys = keys.filter((x) => obj[x] !== undefined);
      break;
    }
  }
  sortInCodeUnitOrder(keys);
  if (!order) return keys;
  const first = order.filter((k) => Object.hasOwn(obj, k) && obj[k] !== undefined);
  return first.length === 0 ? keys : [...first, ...keys.filter((k) => !order.includes(k))];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEmpty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isMap(v) && Object.keys(v).length === 0);
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
const inline = (v: unknown) => (Array.isArray(v) ? '[]' : isMap(v) ? '{}' : typeof v === 'string' ? str(v) : scalar(v));

function writeMap(obj: Record<string, unknown>, indent: string, out: string[], order?: string[], firstPrefix?: string): void {
  let first = true;
  const keys = orderedKeys(obj, order);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const key = str(k);
    if ((isMap(v) || Array.isArray(v)) && !isEmpty(v)) {
      out.push(`${lead}${key}:`);
      writeValue(v, indent + '  ', out, k === 'metadata' && order === TOP_ORDER ? METADATA_ORDER : undefined);
    } else {
      out.push(`${lead}${key}: ${inline(v)}`);
    }
  }
}

function writeValue(v: unknown, indent: string, out: string[], order?: string[]): void {
  if (isMap(v)) return writeMap(v, indent, out, order);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (isMap(item) && !isEmpty(item)) writeMap(item, indent + '  ', out, undefined, `${indent}- `);
      else if (Array.isArray(item) && !isEmpty(item)) {
        out.push(`${indent}-`);
        writeValue(item, indent + '  ', out);
      } else out.push(`${indent}- ${inline(item)}`);
    }
  }
}

/** One document, without the `---` separator, ending in a newline. */
export function writeDocument(obj: Record<string, unknown>): string {
  const out: string[] = [];
  writeMap(obj, '', out, TOP_ORDER);
  return out.join('\n') + '\n';
}
