// Grouping helpers that keep the plan linear and its output independent of input order.

/** JSON with object keys sorted: equal values, equal strings. */
export function canonicalKey(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, (val as Record<string, unknown>)[k]]))
      : val,
  );
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
  const m = new Map(items.map((i) => [canonicalKey(i), i]));
  return [...m.keys()].sort().map((k) => m.get(k)!);
}
