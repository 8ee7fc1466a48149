// What a command gets from the outside world. main.ts passes the real process; tests pass buffers.
export interface CliIO {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

export interface Command {
  summary: string;
  usage: string;
  run(io: CliIO, args: string[]): Promise<void>;
}
