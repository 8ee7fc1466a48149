// The policy-bundle process: wires the real stdout, stderr, exit status and crash handling around
// run(). Shared by the executable's two entry points, bin.ts (the plain bundle) and snapshot.ts
// (the start-up snapshot), which call runProcess() once per process.
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import { sanitize } from '../errors.ts';
import { describeError, run } from './main.ts';

/** argv: the command-line arguments after the executable (and script) names. */
export async function runProcess(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // stdout carries the bundle and nothing else: a stray console.log (a dependency's warning, say)
  // would become a document Argo CD cannot read. Everything else goes to stderr.
  for (const m of ['log', 'info', 'debug', 'warn', 'trace'] as const) console[m] = (...a: unknown[]) => void process.stderr.write(`${format(...a)}\n`);
  // A crash outside run() (a callback, a rejected promise nobody awaited) still gets one paragraph
  // and a non-zero exit, never Node's stack dump; stdout may be incomplete then, but the exit
  // status fails the request, so Argo CD never uses it.
  const crash = (err: unknown) => {
    try {
      writeSync(2, describeError(err, 3) + (debug && err instanceof Error && err.stack ? `${err.stack}\n` : ''));
    } finally {
      process.exit(3);
    }
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // The reader went away (`| head`, a cancelled request): say so once, fail, do not crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (process.exitCode === undefined || process.exitCode === 0) {
      try {
        writeSync(2, `policy-bundle: cannot write the output: ${sanitize(err.code ?? err.message)}\n`);
      } catch {
        /* stderr is gone too */
      }
      process.exitCode = 2;
    }
  });
  const code = await run({ argv, env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = code;
  // Exit once stdout has taken everything (callbacks run in write order), not when the event loop
  // drains: V8 may still be optimizing a hot function on another thread, and a natural exit waits
  // ~10 ms for that work to finish only to throw it away. On a write error the 'error' handler
  // above reports it and sets the status; the process then ends by itself.
  process.stdout.write('', (err) => {
    if (!err) process.exit();
  });
}
