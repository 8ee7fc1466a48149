// The start-up snapshot without Node's code cache of its built-in modules.
//
// `node --build-snapshot` (and a single executable's `useSnapshot`) appends to the V8 heap a code
// cache of every one of Node's ~320 built-in modules: 2.6 MB on Node 20, 3.5 MB on Node 24, more
// than the heap itself. Node copies it into fresh memory at every start, yet reads it only to
// compile a built-in module that the snapshot does not hold already; the snapshot holds, compiled,
// every one the CLI uses (a run compiles `node:sea`, a few hundred bytes, and nothing else). So the
// build empties it: ~6 MB less peak RSS per run, a few per cent less time (docs/performance.md).
// Node's own `withoutCodeCache` option cannot be used instead: it also drops the bytecode of every
// function, the warm-up's whole point.
//
// The layout is Node's (src/node_snapshotable.cc, SnapshotData::ToBlob): a magic number, metadata,
// the V8 startup data, isolate and environment data, then the code cache, last, as a u64 count of
// entries of (u64 length, module id, u64 length, data). A single executable's preparation blob
// (src/node_sea.cc) holds the snapshot as its last field, after a u64 length. This module only
// changes a blob it recognises whole, and the build then runs what it made: anything else is left
// as it was, and the build says so.

const SNAPSHOT_MAGIC = 0x0143da19;
/** Node has hundreds of built-in modules; a count this low is not its code cache. */
const MIN_ENTRIES = 50;
const MAX_ENTRIES = 10_000;
const ID = /^[a-z0-9_/.-]+$/i;

/** Where the snapshot starts, and where its u64 length is when it is a field of a larger blob. */
function findSnapshot(blob) {
  if (blob.length >= 4 && blob.readUInt32LE(0) === SNAPSHOT_MAGIC) return { start: 0, lengthAt: undefined };
  // A single executable's blob: magic, flags, the main script's path, then the snapshot's length.
  for (let p = 0; p + 12 <= Math.min(blob.length, 4096); p++) {
    if (blob.readUInt32LE(p + 8) === SNAPSHOT_MAGIC && Number(blob.readBigUInt64LE(p)) === blob.length - p - 8) return { start: p + 8, lengthAt: p };
  }
  return undefined;
}

/** True when a code cache vector starting at p runs exactly to the end of the blob. */
function codeCacheAt(blob, p) {
  if (blob.readUInt32LE(p + 4) !== 0) return false;
  const count = blob.readUInt32LE(p);
  if (count < MIN_ENTRIES || count > MAX_ENTRIES) return false;
  let q = p + 8;
  for (let i = 0; i < count; i++) {
    if (q + 8 > blob.length) return false;
    const idLength = Number(blob.readBigUInt64LE(q));
    q += 8;
    if (idLength < 1 || idLength > 256 || q + idLength + 8 > blob.length || !ID.test(blob.toString('latin1', q, q + idLength))) return false;
    q += idLength;
    q += 8 + Number(blob.readBigUInt64LE(q));
    if (q > blob.length) return false;
  }
  return q === blob.length;
}

/**
 * The blob (a snapshot blob, or a single executable's preparation blob holding one) with an empty
 * built-in code cache, or undefined when its layout is not the one described above.
 */
export function withoutBuiltinCodeCache(blob) {
  const snapshot = findSnapshot(blob);
  if (!snapshot) return undefined;
  let at = -1;
  for (let p = blob.length - 16; p > snapshot.start; p--) {
    if (codeCacheAt(blob, p)) {
      at = p;
      break;
    }
  }
  if (at < 0) return undefined;
  const out = Buffer.concat([blob.subarray(0, at), Buffer.alloc(8)]); // a count of 0 entries
  if (snapshot.lengthAt !== undefined) out.writeBigUInt64LE(BigInt(out.length - snapshot.start), snapshot.lengthAt);
  return out;
}
