// scripts/snapshot-blob.mjs empties Node's code cache of its built-in modules in a snapshot blob
// (or in a single executable's preparation blob), which every start would otherwise copy into
// memory. It must change exactly that, and nothing in a blob whose layout it does not recognise.
// (test/snapshot.test.ts runs what the build makes of it.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutBuiltinCodeCache } from '../scripts/snapshot-blob.mjs';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(s.length), Buffer.from(s, 'latin1')]);

/** Node's layout: magic, metadata and heap (opaque here), then the code cache vector, last. */
function snapshot(entries: number, heap = Buffer.from('metadata, V8 startup data, isolate and env data')): { blob: Buffer; withoutCache: Buffer } {
  const head = Buffer.concat([u32(0x0143da19), heap]);
  const cache = [u64(entries)];
  for (let i = 0; i < entries; i++) cache.push(str(`internal/module-${i}`), u64(3 + (i % 5)), Buffer.alloc(3 + (i % 5), i));
  return { blob: Buffer.concat([head, ...cache]), withoutCache: Buffer.concat([head, u64(0)]) };
}

/** A single executable's preparation blob: magic, flags, the main script's path, the snapshot's length, the snapshot. */
function seaBlob(snap: Buffer): Buffer {
  return Buffer.concat([u32(0x0143da20), u32(3), str('/tmp/build/policy-bundle-snapshot.cjs'), u64(snap.length), snap]);
}

describe('the snapshot without the built-in code cache', () => {
  it('empties the code cache of a snapshot blob and keeps everything before it', () => {
    // GIVEN a blob laid out as Node writes it, with a code cache of 320 modules
    const { blob, withoutCache } = snapshot(320);
    // WHEN the build strips it THEN only the code cache is gone: a count of 0 entries ends it
    assert.deepEqual(withoutBuiltinCodeCache(blob), withoutCache);
  });

  it("empties it inside a single executable's blob, and corrects the snapshot's length there", () => {
    // GIVEN the snapshot as the last field of a single executable's preparation blob
    const { blob, withoutCache } = snapshot(320);
    // WHEN the build strips it THEN the blob holds the smaller snapshot, under its new length
    assert.deepEqual(withoutBuiltinCodeCache(seaBlob(blob)), seaBlob(withoutCache));
  });

  it('leaves alone what it does not recognise', () => {
    const { blob } = snapshot(320);
    const cases: [string, Buffer][] = [
      ['no snapshot magic', Buffer.concat([u32(0x12345678), blob.subarray(4)])],
      ['bytes after the code cache', Buffer.concat([blob, Buffer.from([0])])],
      ['a code cache cut short', blob.subarray(0, blob.length - 1)],
      ['too few entries to be Node\'s', snapshot(3).blob],
      ['an empty code cache already', snapshot(320).withoutCache],
      ["a single executable's blob with the wrong snapshot length", Buffer.concat([seaBlob(blob), Buffer.from([0])])],
    ];
    for (const [what, b] of cases) {
      // WHEN the build is handed it THEN it says so (undefined) rather than guess
      assert.equal(withoutBuiltinCodeCache(b), undefined, what);
    }
  });
});
