// What a command gets from the outside world. main.ts passes the real process; tests pass buffers.
export interface CliIO {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /**
   * Called by a command just before it reads the repository in dir. The process running the start-up
   * snapshot tunes V8 for the run with it (compiler-tiers.ts); in-process callers (tests, the
   * snapshot's warm-up) leave it unset.
   */
  beforeReading?(dir: string): void;
}

export interface Command {
  summary: string;
  usage: string;
  run(io: CliIO, args: string[]): Promise<void>;
}
