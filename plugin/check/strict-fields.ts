// Unknown fields under `spec`. Istio's CRD schemas (and so the models in schema-validation.ts)
// accept any extra key, and the API server prunes it without a word: a misspelt `rulez:` in a
// template override would apply as a policy without rules. The tables are generated from the
// upstream schemas by scripts/gen-known-fields.mjs.
import { KNOWN_FIELD_NODES, KNOWN_SPEC_ROOTS, type KnownFieldNode } from './known-fields.generated.ts';

/** At most this many problems per resource: one misspelt key in a list would repeat otherwise. */
const MAX = 20;

/**
 * Problems as `spec.rulez: unknown field ...`, one per unknown key; [] when every key is known or
 * the kind has no table (Namespace: check.ts allows only its metadata).
 */
export function unknownFieldProblems(obj: { apiVersion?: unknown; kind?: unknown; spec?: unknown }): string[] {
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  if (!Object.hasOwn(KNOWN_SPEC_ROOTS, key) || obj.spec === undefined) return [];
  const out: string[] = [];
  walk(obj.spec, KNOWN_SPEC_ROOTS[key]!, [], `${String(obj.kind)} ${String(obj.apiVersion)}`, out);
  return out.slice(0, MAX);
}

/**
 * `path` holds the keys and indexes from spec down to value; it is written out only for a problem
 * (this walk visits every key of every resource). Keys are looked up as own properties of the
 * tables: `constructor`, `toString` or `__proto__` are unknown fields too, not Object.prototype's.
 */
function walk(value: unknown, id: number, path: (string | number)[], kind: string, out: string[]): void {
  if (out.length >= MAX) return;
  const node: KnownFieldNode | undefined = KNOWN_FIELD_NODES[id];
  if (node === undefined || node === '*' || node === 's') return;
  if ('a' in node) {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null) continue; // a scalar has no fields to check
      path.push(i);
      walk(item, node.a, path, kind, out);
      path.pop();
    }
    return;
  }
  // (written out: this runs for every mapping of every resource, as cold code V8 does not inline)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return; // a type mismatch: schema-validation.ts reports it
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let child: number;
    if ('m' in node) child = node.m;
    else if (Object.hasOwn(node.p, k)) child = node.p[k]!;
    else {
      const near = closest(k, Object.keys(node.p));
      out.push(`${pathText(path)}.${k}: unknown field in ${kind}${near ? ` (did you mean "${near}"?)` : ''}; the API server would drop it silently`);
      continue;
    }
    const v = (value as Record<string, unknown>)[k];
    if (typeof v !== 'object' || v === null) continue; // a scalar has no fields to check
    path.push(k);
    walk(v, child, path, kind, out);
    path.pop();
  }
}

/** `spec.rules[0].from[0].source` */
function pathText(path: (string | number)[]): string {
  let s = 'spec';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return s;
}

/** The known key nearest to a misspelt one (edit distance ≤ 2, or same letters ignoring case). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
