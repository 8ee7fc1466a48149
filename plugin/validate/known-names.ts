// "use one of: a, b, c" hints, without copying every key of a large platform for each error.
export function someNames(keys: Iterable<string>, max = 10): string {
  const out: string[] = [];
  for (const k of keys) {
    if (out.length === max) {
      out.push('...');
      break;
    }
    out.push(k);
  }
  return out.join(', ') || '(none)';
}
