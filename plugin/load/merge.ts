// Overlay merge (SPEC.md): maps merge by key, lists whose items all carry `name` merge by name,
// other lists are replaced, and `null` removes a key. Positions follow the value that wins.
import { copyKeyPos, nodePos, setNodePos } from './located.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNamedList = (v: unknown): v is Obj[] =>
  Array.isArray(v) && v.every((i) => isObj(i) && typeof i.name === 'string');

export function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (isObj(base) && isObj(patch)) return mergeMaps(base, patch);
  if (isNamedList(base) && isNamedList(patch) && patch.length > 0) return mergeNamed(base, patch);
  return patch;
}

function mergeMaps(base: Obj, patch: Obj): Obj {
  const out: Obj = {};
  const pos = nodePos(patch) ?? nodePos(base);
  if (pos) setNodePos(out, pos);
  for (const k of Object.keys(base)) {
    if (k in patch) continue;
    out[k] = base[k];
    copyKeyPos(base, k, out, k);
  }
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) continue; // null removes the inherited entry
    out[k] = k in base ? merge(base[k], v) : v;
    copyKeyPos(patch, k, out, k);
  }
  return out;
}

function mergeNamed(base: Obj[], patch: Obj[]): Obj[] {
  const out: Obj[] = [];
  const pos = nodePos(patch) ?? nodePos(base);
  if (pos) setNodePos(out, pos);
  const byName = new Map(patch.map((p, i) => [p.name as string, i]));
  const used = new Set<number>();
  base.forEach((b, i) => {
    const pi = byName.get(b.name as string);
    if (pi === undefined) {
      out.push(b);
      copyKeyPos(base, i, out, out.length - 1);
      return;
    }
    used.add(pi);
    // `{name: x, $remove: true}` drops an inherited item
    if (patch[pi]!.$remove === true) return;
    out.push(merge(b, patch[pi]) as Obj);
    copyKeyPos(patch, pi, out, out.length - 1);
  });
  patch.forEach((p, i) => {
    if (used.has(i) || p.$remove === true) return;
    out.push(p);
    copyKeyPos(patch, i, out, out.length - 1);
  });
  return out;
}
