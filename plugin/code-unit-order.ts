// Sorting keys as Array.prototype.sort() does by default (UTF-16 code units), in place. The plan
// and the emit stage sort the keys of every object they write; most have a handful of keys, and
// a run is mostly cold code, where sort()'s scratch copy of the array is most of its cost.

export function sortInCodeUnitOrder(keys: string[]): void {
  if (keys.length > 12) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
}
