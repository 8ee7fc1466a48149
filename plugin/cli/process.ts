// The policy-bundle process: wires the real stdout, stderr, exit status and crash handling around
// run(). Shared by the executable's two entry points, bin.ts (the plain bundle) and snapshot.ts
// (the start-up snapshot), which call runProcess() once per process.
import { format } from 'node:util';
import { sanitize } from '../errors.ts';
import { fdOutput } from './fd-output.ts';
import { describeError, run } from './main.ts';

/**
 * argv: the command-line arguments after the executable (and script) names. beforeReading: what
 * a command calls before it reads a repository (CliIO.beforeReading).
 */
export async function runProcess(argv: string[], beforeReading?: (dir: string) => void): Promise<void> {
  const debug = argv.includes('--debug');
  const stderr = fdOutput(2, () => undefined); // stderr is gone too: nowhere left to say so
  // The reader went away (`| head`, a cancelled request): say so once, fail, do not crash.
  const stdout = fdOutput(1, (err) => {
    stderr.write(`policy-bundle: cannot write the output: ${sanitize(err.code ?? err.message)}\n`);
    process.exitCode = 2;
  });
  // stdout carries the bundle and nothing else: a stray console.log (a dependency's warning, say)
  // would become a document Argo CD cannot read. Everything else goes to stderr.
  for (const m of ['log', 'info', 'debug', 'warn', 'trace'] as const) console[m] = (...a: unknown[]) => void stderr.write(`${format(...a)}\n`);
  // A crash outside run() (a callback, a rejected promise nobody awaited) still gets one paragraph
  // and a non-zero exit, never Node's stack dump; stdout may be incomplete then, but the exit
  // status fails the request, so Argo CD never uses it.
  const crash = (err: unknown) => {
    try {
      stderr.write(describeError(err, 3) + (debug && err instanceof Error && err.stack ? `${err.stack}\n` : ''));
    } finally {
      process.exit(3);
    }
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await run({ argv, env: process.env, cwd: process.cwd(), stdout, stderr, beforeReading });
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = code;
  // Everything is written (fd-output.ts writes synchronously): exit now, not when the event loop
  // drains. V8 may still be optimizing a hot function on another thread, and a natural exit waits
  // ~10 ms for that work to finish only to throw it away.
  process.exit();
}
