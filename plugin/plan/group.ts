// Grouping helpers that keep the plan linear and its output independent of input order.
import { sortInCodeUnitOrder } from '../code-unit-order.ts';

const INDEX = /^(?:0|[1-9]\d*)$/;
const isIndex = (k: string) => INDEX.test(k) && Number(k) < 4294967295;

/** Object keys sorted as the canonical form lists them (see canonicalKey). */
function sortedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  sortInCodeUnitOrder(keys);
  // Integer-like keys ("8080") come first, in numeric order, in any JS object built from the sorted
  // entries: the order canonicalKey has always used (it rebuilt each object with Object.fromEntries).
  if (keys.length > 1 && keys.some(isIndex)) {
    const ints = keys.filter(isIndex).sort((a, b) => Number(a) - Number(b));
    return [...ints, ...keys.filter((k) => !isIndex(k))];
  }
  return keys;
}

function write(v: unknown, inArray: boolean): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON(): unknown }).toJSON(), inArray);
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (write(v[i], true) ?? 'null');
        return s + ']';
      }
      let s = '{';
      let first = true;
      for (const k of sortedKeys(v as Record<string, unknown>)) {
        const x = write((v as Record<string, unknown>)[k], false);
        if (x === undefined) continue;
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + x;
        first = false;
      }
      return s + '}';
    }
    default:
      // undefined, functions and symbols: left out of objects, null in arrays (as JSON.stringify does)
      return inArray ? 'null' : undefined;
  }
}

/**
 * JSON with object keys sorted: equal values, equal strings. The same text as
 * `JSON.stringify(v, sortingReplacer)` — written directly, without building a sorted copy of every
 * object first (this runs once per rule and peer of the plan: the plan's hottest function).
 */
export function canonicalKey(v: unknown): string {
  return write(v, false) as string;
}

export function groupBy<T>(items: Iterable<T>, key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Distinct by canonical form, sorted by it. */
export function uniqueSorted<T>(items: T[]): T[] {
  return uniqueSortedBy(items, canonicalKey);
}

/** Distinct by a key that is the canonical form (or orders and equates exactly as it does), sorted by it. */
export function uniqueSortedBy<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const i of items) m.set(key(i), i);
  const keys = [...m.keys()];
  if (keys.length > 1) keys.sort();
  return keys.map((k) => m.get(k)!);
}
