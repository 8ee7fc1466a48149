// Plain JS values that remember where each key came from, so errors found after merging overlays
// still point at the user's file:line:col.
import type { SourcePos } from '../errors.ts';

const keyPositions = new WeakMap<object, Map<string | number, SourcePos>>();
const nodePositions = new WeakMap<object, SourcePos>();

export function setKeyPos(container: object, key: string | number, pos: SourcePos): void {
  let m = keyPositions.get(container);
  if (!m) keyPositions.set(container, (m = new Map()));
  m.set(key, pos);
}

export function setNodePos(node: object, pos: SourcePos): void {
  nodePositions.set(node, pos);
}

export function keyPos(container: unknown, key: string | number): SourcePos | undefined {
  return typeof container === 'object' && container !== null ? keyPositions.get(container)?.get(key) : undefined;
}

export function nodePos(node: unknown): SourcePos | undefined {
  return typeof node === 'object' && node !== null ? nodePositions.get(node) : undefined;
}

/**
 * The position of the deepest part of `path` that has one: the value's own key when known,
 * else its nearest ancestor. `path` is as zod reports it.
 */
export function posAt(root: unknown, path: readonly PropertyKey[]): SourcePos | undefined {
  let best = nodePos(root);
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null || typeof seg === 'symbol') break;
    const p = keyPos(cur, seg as string | number);
    if (p) best = p;
    cur = (cur as Record<string | number, unknown>)[seg as string | number];
    const n = nodePos(cur);
    if (n && !p) best = n;
  }
  return best;
}

/** Copy position data of `from[key]` onto `to[key]` (used by merges that build new objects). */
export function copyKeyPos(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  const p = keyPos(from, fromKey);
  if (p) setKeyPos(to, toKey, p);
}
