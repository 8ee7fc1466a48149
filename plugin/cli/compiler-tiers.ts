// Which of V8's compilers this process lets run. A render of a small repository is over before
// most code they compile pays for its compiling: the optimizing compilers' work runs on other
// threads, which take up to half of the process's CPU time (time a sidecar running several renders
// at once on two cores does not have), and Sparkplug, the baseline compiler, compiles on the main
// thread itself. Measured (docs/performance.md, "Compilers only for larger repositories"):
// - without TurboFan, a render of a platform.yaml of 5 – 220 KB takes a tenth to a half less CPU and
//   as much or less wall time; from ~400 KB on the optimized code wins its cost back;
// - Maglev, the quicker optimizing tier of Node ≥ 22 (Node 20 has it off), pays off sooner: without
//   it, renders of up to ~16 KB are faster still, one of 31 KB slower, and a large one 30 % slower;
// - without Sparkplug, renders of up to 8 KB are 1 – 2 ms faster on Node 20 (it compiles ~350
//   functions there, on the main thread) and as fast or faster on Node 24; from ~11 KB on
//   (Node 20; ~8 KB on Node 24) the interpreter's slower steps cost more than the compiling saves.
//
// Only the start-up snapshot's process changes the flags (cli/snapshot.ts): V8 records its flags in
// a snapshot, so the process that builds one, and tests that run the CLI in-process, never do.
import { lstatSync } from 'node:fs';
import v8 from 'node:v8';

/** Each compiler is off for a platform.yaml under its size (examples/practicus: 5 KB; the medium benchmark: 1 MB). */
export const COMPILER_TIERS = {
  turbofan: { off: '--no-turbofan', belowBytes: 128 * 1024 },
  maglev: { off: '--no-maglev', belowBytes: 16 * 1024 },
  sparkplug: { off: '--no-sparkplug', belowBytes: 8 * 1024 },
} as const;

/**
 * Before a command reads the repository in dir: the compilers a repository of its size does not
 * need, off. Nothing is read here but the file's size, without following a symbolic link; the
 * loader judges the file itself.
 */
export function tuneForRepository(dir: string): void {
  let size: number;
  try {
    const stat = lstatSync(`${dir}/platform.yaml`);
    if (!stat.isFile()) return;
    size = stat.size;
  } catch {
    return; // no platform.yaml: the loader says so
  }
  for (const c of Object.values(COMPILER_TIERS)) if (size < c.belowBytes) v8.setFlagsFromString(c.off);
}
