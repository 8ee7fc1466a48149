// The policy-bundle executable: a table of commands, each loaded only when called, so `generate`
// never pays for the explorer or the analyzer. Exit codes are decided here and only here.
import { exitCodeFor, UserError } from '../errors.ts';
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
    if (code === 3) io.stderr.write(`policy-bundle: internal error: ${(err as Error).message}\n  hint: this is a bug; please report it with the command you ran (add --debug for a stack trace)\n`);
    else if ((err as Error).message) io.stderr.write(`${(err as Error).message}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return code;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

// Entry point when executed (not when imported by tests).
const isMain = process.argv[1] && /policy-bundle(\.mjs)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  const code = await run({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
}
