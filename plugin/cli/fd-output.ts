// The process's stdout and stderr as plain synchronous writes to file descriptors 1 and 2, instead
// of process.stdout and process.stderr. The first touch of either builds a stream (a net.Socket
// for a pipe, which is what Argo CD gives the plugin): ~4 ms of a ~85 ms run. The CLI writes its
// bundle once, at the end, and needs none of a stream's buffering. A synchronous write also means
// that everything is written when run() returns, so the process can exit at once.
import { writeSync } from 'node:fs';

export interface FdOutput {
  write(s: string): boolean;
  readonly isTTY: boolean;
}

/** Blocks the thread for about `ms` milliseconds (no timers: the write must finish synchronously). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Writes all of `s` to `fd`: partial writes continue, a full non-blocking pipe is waited for. */
export function writeAll(fd: number, s: string): void {
  const buf = Buffer.from(s, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      // A descriptor inherited in non-blocking mode refuses when the pipe is full: the reader
      // (Argo CD) is still reading, so wait for it rather than fail.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      pause(1);
    }
  }
}

/**
 * `onError` is called once, with the first error of a write (EPIPE when the reader went away);
 * later writes to this descriptor are dropped.
 */
export function fdOutput(fd: 1 | 2, onError: (err: NodeJS.ErrnoException) => void): FdOutput {
  let failed = false;
  let tty: boolean | undefined;
  return {
    write(s: string): boolean {
      if (failed || s.length === 0) return !failed;
      try {
        writeAll(fd, s);
        return true;
      } catch (err) {
        failed = true;
        onError(err as NodeJS.ErrnoException);
        return false;
      }
    },
    get isTTY(): boolean {
      // node:tty on first use only (it is for colours): it loads node:net too, which nothing else
      // needs, and the start-up snapshot would carry both (~0.5 ms of every call's start,
      // docs/performance.md). process.getBuiltinModule, because importing node:module for a
      // require() loads node:net as well; a Node 20 before 20.16 has none, and gets no colours.
      return (tty ??= process.getBuiltinModule?.('node:tty')?.isatty(fd) ?? false);
    },
  };
}
