// The start-up snapshot: a V8 heap in which the CLI is already loaded, so a run starts with every
// module evaluated, every schema built and the code of a whole render compiled, instead of
// reading, compiling and evaluating ~600 KB of JavaScript on every call. scripts/build.mjs bundles
// this file as one CommonJS script and builds the snapshot from it, into a single executable
// (dist/policy-bundle-sea: a copy of Node carrying the snapshot) where it can, else into a blob
// (dist/policy-bundle.blob) that dist/policy-bundle, the launcher, starts with `node --snapshot-blob`.
//
// Building: this file loads every command and validator, then renders PB_SNAPSHOT_WARM_UP (the
// example repository) in every environment, so that V8 keeps the bytecode of the whole pipeline.
// Only pure, input-independent state survives into the snapshot (parsed built-in environments,
// the compiled built-in templates, validators, memoized YAML scalars): nothing of the warm-up
// repository.
// Running: the deserialized main function is the executable's runProcess(); process.argv,
// process.env and the working directory are those of the new process, never the build's.
import v8 from 'node:v8';
import { provideSchemas } from '../check/schema-validation.ts';
import * as coreV1 from '../check/schemas/core-v1.ts';
import * as networkingIstioV1 from '../check/schemas/networking-istio-io-v1.ts';
import * as networkingV1 from '../check/schemas/networking-k8s-io-v1.ts';
import * as securityV1 from '../check/schemas/security-istio-io-v1.ts';
import { loadAllCommands, run } from './main.ts';
import { tuneForRepository } from './compiler-tiers.ts';
import { runProcess } from './process.ts';

// Statically, so the bundler keeps only these models (a dynamic import would pull in whole packages).
provideSchemas({
  'core-v1': coreV1,
  'networking-k8s-io-v1': networkingV1,
  'security-istio-io-v1': securityV1,
  'networking-istio-io-v1': networkingIstioV1,
});

async function warmUp(dir: string): Promise<void> {
  await loadAllCommands();
  const errors: string[] = [];
  const io = (argv: string[]) => ({ argv, env: {}, cwd: dir, stdout: { write: () => true }, stderr: { write: (s: string) => errors.push(s) } });
  for (const argv of [['parameters'], ...['dev', 'staging', 'prod'].map((env) => ['render', '--env', env]), ['validate']]) {
    const code = await run(io(argv));
    if (code !== 0) throw new Error(`snapshot warm-up: policy-bundle ${argv.join(' ')} in ${dir} exited ${code}:\n${errors.join('')}`);
  }
}

const dir = process.env.PB_SNAPSHOT_WARM_UP;
if (!dir) throw new Error('PB_SNAPSHOT_WARM_UP: set it to a repository to render while building the snapshot');
warmUp(dir).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

// Loaded now, so that it is in the snapshot, compiled: a run would otherwise compile it from
// source (~1 ms), as the snapshot carries no code cache of Node's modules (scripts/snapshot-blob.mjs).
const sea = process.getBuiltinModule?.('node:sea');

/**
 * Where the CLI's arguments start: `node --snapshot-blob <blob> -- <args>` gives [node, ...args]; a
 * single executable (dist/policy-bundle-sea) repeats its own path, [exe, exe, ...args]. Asked at
 * run time: isSea() says what this process is, never what the build was.
 */
function firstArgument(): number {
  return sea?.isSea() ? 2 : 1;
}

v8.startupSnapshot.setDeserializeMainFunction(() => void runProcess(process.argv.slice(firstArgument()), tuneForRepository));
