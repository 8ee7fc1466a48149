// The policy-bundle CLI: a table of commands, each loaded only when called, so `generate` never
// pays for the explorer or the analyzer. Exit codes are decided here and only here. The process
// around it (real stdout, crashes, exit) is process.ts.
import { exitCodeFor, formatProblem, sanitize, UserError } from '../errors.ts';
import type { CliIO, Command } from './io.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  generate: { summary: 'print the bundle for Argo CD (the CMP entry point)', load: async () => (await import('./commands/generate.ts')).command },
  render: { summary: 'print the bundle of one environment', load: async () => (await import('./commands/render.ts')).command },
  validate: { summary: 'check every environment (or one) and list findings', load: async () => (await import('./commands/validate.ts')).command },
  parameters: { summary: "print the CMP's dynamic parameter announcements (JSON)", load: async () => (await import('./commands/parameters.ts')).command },
};

export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

/** Loads every command now (the start-up snapshot holds them all, cli/snapshot.ts). */
export async function loadAllCommands(): Promise<void> {
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = await entry.load();
    COMMANDS[name] = { summary: entry.summary, load: async () => command };
  }
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'policy-bundle: NetworkPolicy and Istio policy bundles from platform intent and environment overlays',
    '',
    'usage: policy-bundle <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'Run `policy-bundle <command> --help` for its options. Exit codes: 0 ok, 1 findings or denied, 2 usage or input error.',
    '',
  ].join('\n');
}

export async function run(io: CliIO): Promise<number> {
  const [name, ...args] = io.argv;
  const debug = args.includes('--debug');
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(help());
      return name ? 0 : 2;
    }
    if (name === '--version') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const entry = COMMANDS[name];
    if (!entry) throw new UserError({ message: `unknown command "${name}"`, hint: `commands: ${Object.keys(COMMANDS).join(', ')}` });
    const command = await entry.load();
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
      return 0;
    }
    await command.run(io, args.filter((a) => a !== '--debug'));
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    io.stderr.write(describeError(err, code));
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return code;
  }
}

// ---- Error printing: one clear paragraph on stderr, never a stack trace (unless --debug) ----

/** Problems shown for one error; Argo CD shows stderr in its UI, so the rest are counted. */
const MAX_SHOWN_PROBLEMS = 20;

/** What the user reads when a command fails: the problems of a UserError, or one line for a bug. */
export function describeError(err: unknown, code = exitCodeFor(err)): string {
  if (err instanceof UserError) {
    const shown = err.problems.slice(0, MAX_SHOWN_PROBLEMS).map(formatProblem).join('');
    const more = err.problems.length - MAX_SHOWN_PROBLEMS;
    return more > 0 ? `${shown}... and ${more} more problem(s); run \`policy-bundle validate\` to list them all\n` : shown;
  }
  if (code !== 3) {
    // FindingsError: the report is already written; its message, if any, is one line
    const message = err instanceof Error ? err.message : '';
    return message ? `${sanitize(message)}\n` : '';
  }
  let what: string;
  try {
    what = err instanceof Error ? `${err.name}: ${err.message}` : `thrown value ${typeof err === 'string' ? err : String(err)}`;
  } catch {
    what = 'an unprintable value was thrown';
  }
  return `policy-bundle: internal error: ${sanitize(what, 500)}\n  hint: this is a bug; please report it with the command you ran (add --debug for a stack trace)\n`;
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';
