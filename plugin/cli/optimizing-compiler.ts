// Whether this process lets V8's optimizing compiler, TurboFan, run. A render of a small
// repository is over before most code TurboFan optimizes pays for compiling it, and the compiling
// runs on a second thread that takes up to half of the process's CPU time: time a sidecar running
// several renders at once on two cores does not have. Measured (docs/performance.md, "TurboFan
// only for large repositories"): without it, a render of a platform.yaml of 5 – 220 KB takes a
// tenth to a half less CPU and as much or less wall time; from ~400 KB on, the optimized code wins
// its cost back in wall time. Maglev (Node ≥ 22), the quicker optimizing tier, stays on: without
// it, a large render on Node 24 is 30 % slower.
//
// Only the start-up snapshot's process changes the flag (cli/snapshot.ts): V8 records its flags in
// a snapshot, so the process that builds one, and tests that run the CLI in-process, never do.
import { lstatSync } from 'node:fs';
import v8 from 'node:v8';

/** A platform.yaml under this size is a small repository (examples/practicus: 5 KB; the medium benchmark: 1 MB). */
export const SMALL_PLATFORM_BYTES = 128 * 1024;

/** Whether a repository whose platform.yaml has this size (undefined: none) renders without TurboFan. */
export function withoutTurbofan(platformBytes: number | undefined): boolean {
  return platformBytes !== undefined && platformBytes < SMALL_PLATFORM_BYTES;
}

/**
 * Before a command reads the repository in dir: TurboFan off for a small one. Nothing is read
 * here but the file's size, without following a symbolic link; the loader judges the file itself.
 */
export function tuneForRepository(dir: string): void {
  let size: number | undefined;
  try {
    const stat = lstatSync(`${dir}/platform.yaml`);
    if (stat.isFile()) size = stat.size;
  } catch {
    // no platform.yaml: the loader says so
  }
  if (withoutTurbofan(size)) v8.setFlagsFromString('--no-turbofan');
}
