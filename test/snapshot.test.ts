// The executable as shipped: dist/policy-bundle, a launcher that starts the CLI from its start-up
// snapshot, carried by a single executable (dist/policy-bundle-sea) or, where none could be built
// (`build --no-sea`), by a blob that `node --snapshot-blob` loads (policy-bundle.blob); it falls
// back to the plain bundle (dist/policy-bundle.mjs). Whatever path it takes, a user sees the same
// bytes, the same messages and the same exit status as the CLI run in-process from the sources.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatePlatform } from '../bench/generate.mjs';
import { COMPILER_TIERS } from '../plugin/cli/compiler-tiers.ts';
import { cli, CLI, CLI_BUNDLE, MINIMAL_PLATFORM, PRACTICUS, PROJECT, tempRepo } from './helpers/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'pb-snapshot-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const SEA = join(PROJECT, 'dist', 'policy-bundle-sea');
/** A build with --no-sea: the launcher starts `node --snapshot-blob`. */
const BLOB_DIST = join(scratch, 'dist-blob');
const BLOB_CLI = join(BLOB_DIST, 'policy-bundle');
before(() => {
  const r = spawnSync(process.execPath, [join(PROJECT, 'scripts', 'build.mjs'), '--no-sea', '--outdir', BLOB_DIST], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Out {
  const r = spawnSync(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A `node` first on PATH that logs its arguments, then runs this Node: how the launcher called it. */
function recordingNode(name: string): { env: Record<string, string>; calls: () => string[] } {
  const bin = join(scratch, name);
  mkdirSync(bin);
  const log = join(scratch, `${name}.log`);
  writeFileSync(log, '');
  writeFileSync(join(bin, 'node'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  return { env: { PATH: `${bin}:${process.env.PATH}` }, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const minimal = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM });
// A template override: compiled at run time by the full Handlebars, which the snapshot holds unused.
const overridden = tempRepo({
  'platform.yaml': MINIMAL_PLATFORM,
  'templates/network-policy.yaml.hbs': readFileSync(join(PROJECT, 'templates', 'network-policy.yaml.hbs'), 'utf8').replace('metadata:\n', 'metadata:\n  # overridden\n'),
});
// Repositories of sizes for which the single executable turns off some of V8's compilers, or none
// (cli/compiler-tiers.ts; practicus: all three): every choice prints what the in-process CLI prints.
const { turbofan, maglev, sparkplug } = COMPILER_TIERS;
const smallPlatform = generatePlatform({ modules: 15, workloadsPerModule: 2, flows: 20 }).files;
const midPlatform = generatePlatform({ modules: 30, workloadsPerModule: 3, flows: 90 }).files;
const largePlatform = generatePlatform({ modules: 60, workloadsPerModule: 10, flows: 900 }).files;
const smallSize = smallPlatform['platform.yaml']!.length;
const midSize = midPlatform['platform.yaml']!.length;
assert.ok(readFileSync(join(PRACTICUS, 'platform.yaml')).length < sparkplug.belowBytes, 'practicus runs without any of them');
assert.ok(smallSize >= sparkplug.belowBytes && smallSize < maglev.belowBytes, `the small repository (${smallSize} bytes) keeps Sparkplug only`);
assert.ok(midSize >= maglev.belowBytes && midSize < turbofan.belowBytes, `the middle repository (${midSize} bytes) keeps Sparkplug and Maglev, not TurboFan`);
assert.ok(largePlatform['platform.yaml']!.length >= turbofan.belowBytes, 'the large repository keeps all three');
const small = tempRepo(smallPlatform);
const mid = tempRepo(midPlatform);
const large = tempRepo(largePlatform);
// What the fast reader leaves to the `yaml` package, which the bundles evaluate on its first use
// (scripts/build.mjs): a document start marker, and a syntax error, which only `yaml` words.
const documentMarker = tempRepo({ 'platform.yaml': `---\n${MINIMAL_PLATFORM}` });
const syntaxError = tempRepo({ 'platform.yaml': `${MINIMAL_PLATFORM}broken: [unclosed\n` });
const CASES: { what: string; argv: string[]; cwd: string }[] = [
  ...['dev', 'staging', 'prod'].map((env) => ({ what: `render --env ${env} (the warm-up repository)`, argv: ['render', '--env', env], cwd: PRACTICUS })),
  { what: 'render of another repository (nothing of the warm-up is left in the snapshot)', argv: ['render', '--env', 'prod'], cwd: minimal },
  { what: `render of a repository of ${sparkplug.belowBytes / 1024} – ${maglev.belowBytes / 1024} KiB (with Sparkplug only)`, argv: ['render', '--env', 'prod'], cwd: small },
  { what: `render of a repository of ${maglev.belowBytes / 1024} – ${turbofan.belowBytes / 1024} KiB (without TurboFan, with Sparkplug and Maglev)`, argv: ['render', '--env', 'prod'], cwd: mid },
  { what: `render of a repository of over ${turbofan.belowBytes / 1024} KiB (every compiler on)`, argv: ['render', '--env', 'prod'], cwd: large },
  { what: 'render with a template override', argv: ['render', '--env', 'prod'], cwd: overridden },
  { what: 'render of a platform.yaml read by the `yaml` package (a document start marker)', argv: ['render', '--env', 'prod'], cwd: documentMarker },
  { what: 'render of a platform.yaml with a YAML syntax error (worded by the `yaml` package)', argv: ['render', '--env', 'prod'], cwd: syntaxError },
  { what: 'render --istio-version v1beta1', argv: ['render', '--env', 'prod', '--istio-version', 'v1beta1'], cwd: PRACTICUS },
  { what: 'validate --format json', argv: ['validate', '--format', 'json'], cwd: PRACTICUS },
  { what: 'parameters', argv: ['parameters'], cwd: PRACTICUS },
  { what: 'an unknown environment (exit 2)', argv: ['render', '--env', 'qa'], cwd: PRACTICUS },
  { what: 'an unknown command (exit 2)', argv: ['explode'], cwd: PRACTICUS },
  { what: '--help', argv: ['--help'], cwd: PRACTICUS },
  { what: 'render --help (an option Node itself also knows)', argv: ['render', '--help'], cwd: PRACTICUS },
];

for (const [path, launcher, callEnv] of [
  ['the single executable', CLI, {}],
  ['the snapshot blob (build --no-sea)', BLOB_CLI, {}],
  // NODE_OPTIONS makes the launcher run the plain bundle, with its own lazy chunks.
  ['the plain bundle (NODE_OPTIONS set)', CLI, { NODE_OPTIONS: '--max-old-space-size=512' }],
] as const) {
  describe(`the launcher, through ${path}`, () => {
    for (const c of CASES) {
      it(`${c.what}: same output and exit status as the in-process CLI`, async () => {
        const expected = await cli(c.argv, { cwd: c.cwd });
        const got = exec(launcher, c.argv, c.cwd, callEnv);
        assert.equal(got.stderr, expected.stderr);
        assert.equal(got.stdout, expected.stdout);
        assert.equal(got.code, expected.code);
      });
    }

    it('reads the process environment of the call, not of the build (generate takes ARGOCD_ENV_ENVIRONMENT)', async () => {
      for (const env of ['dev', 'prod']) {
        const got = exec(launcher, ['generate'], PRACTICUS, { ...callEnv, ARGOCD_ENV_ENVIRONMENT: env });
        assert.equal(got.code, 0, got.stderr);
        assert.equal(got.stdout, (await cli(['render', '--env', env], { cwd: PRACTICUS })).stdout);
      }
    });

    it('works when called through a symlink from another directory (as /usr/local/bin/policy-bundle in the image)', () => {
      const bin = mkdtempSync(join(scratch, 'bin-'));
      symlinkSync(launcher, join(bin, 'policy-bundle'));
      const got = exec('policy-bundle', ['render', '--env', 'prod'], PRACTICUS, { ...callEnv, PATH: `${bin}:${process.env.PATH}` });
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, exec(process.execPath, [CLI_BUNDLE, 'render', '--env', 'prod'], PRACTICUS).stdout);
    });
  });
}

describe('the launcher', () => {
  it('runs the single executable that the build made on Linux, and no other Node', () => {
    assert.ok(existsSync(SEA), 'npm run build makes dist/policy-bundle-sea on Linux');
    const node = recordingNode('unused-node');
    const got = exec(CLI, ['render', '--env', 'prod'], PRACTICUS, node.env);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, exec(process.execPath, [CLI_BUNDLE, 'render', '--env', 'prod'], PRACTICUS).stdout);
    assert.deepEqual(node.calls(), []);
  });

  it('becomes the single executable (exec): a signal to the process group stops it, and there is no child to orphan', async () => {
    // A render long enough (~1 s) to be caught running.
    const big = tempRepo(generatePlatform({ modules: 200, workloadsPerModule: 10, flows: 5000 }).files);
    const child = spawn(CLI, ['render', '--env', 'prod'], { cwd: big, env: { PATH: process.env.PATH }, stdio: 'ignore', detached: true });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const exe = () => {
      try {
        return readlinkSync(`/proc/${child.pid}/exe`);
      } catch {
        return undefined;
      }
    };
    while (exe() !== SEA) {
      assert.equal(child.exitCode, null, 'the render ended before the launcher was seen to become the single executable');
      await new Promise((r) => setTimeout(r, 5));
    }
    process.kill(-child.pid!, 'SIGTERM');
    // Killed by the signal, not finished: the launcher's own signal handling is not inherited.
    assert.deepEqual(await exited, { code: null, signal: 'SIGTERM' });
  });

  it('starts Node once, from the blob, where there is no single executable', () => {
    const node = recordingNode('recording-node');
    const got = exec(BLOB_CLI, ['render', '--env', 'prod'], PRACTICUS, node.env);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(node.calls(), [`--snapshot-blob ${join(BLOB_DIST, 'policy-bundle.blob')} -- render --env prod`]);
    // A failure of the CLI itself (exit 2) is passed on as it is, never retried without the snapshot.
    const failed = exec(BLOB_CLI, ['render', '--env', 'qa'], PRACTICUS, node.env);
    assert.equal(failed.code, 2);
    assert.deepEqual(node.calls().slice(1), [`--snapshot-blob ${join(BLOB_DIST, 'policy-bundle.blob')} -- render --env qa`]);
  });

  it('from the blob, outlives and reaps the Node it started when Argo CD signals the process group (no orphan for PID 1)', async () => {
    // argocd-cmp-server, PID 1 of the sidecar, reaps no orphans: a Node left behind by a launcher
    // that died first would stay a zombie. This `node` takes 300 ms to stop after SIGTERM.
    const bin = join(scratch, 'slow-node');
    mkdirSync(bin);
    const ready = join(scratch, 'slow-node-ready');
    const stopped = join(scratch, 'slow-node-stopped');
    writeFileSync(
      join(bin, 'node'),
      [
        `#!${process.execPath}`,
        "const { writeFileSync } = require('node:fs');",
        `process.on('SIGTERM', () => setTimeout(() => { writeFileSync(${JSON.stringify(stopped)}, ''); process.exit(143); }, 300));`,
        `writeFileSync(${JSON.stringify(ready)}, '');`,
        'setInterval(() => {}, 1000);',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const child = spawn(BLOB_CLI, ['render', '--env', 'prod'], { cwd: PRACTICUS, env: { PATH: `${bin}:${process.env.PATH}` }, stdio: 'ignore', detached: true });
    const exited = new Promise<{ code: number | null; nodeStopped: boolean }>((resolve) => child.on('exit', (code) => resolve({ code, nodeStopped: existsSync(stopped) })));
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGTERM');
    const r = await exited;
    assert.ok(r.nodeStopped, 'the launcher exited before the Node it started');
    assert.equal(r.code, 143, 'the status of the stopped Node (128 + SIGTERM) fails the request');
  });

  it('with NODE_OPTIONS set, runs the plain bundle quietly (V8 flags there would make Node refuse the snapshot)', () => {
    const env = { NODE_OPTIONS: '--max-old-space-size=512' };
    const got = exec(CLI, ['render', '--env', 'prod'], PRACTICUS, env);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stderr, '');
    assert.equal(got.stdout, exec(process.execPath, [CLI_BUNDLE, 'render', '--env', 'prod'], PRACTICUS, env).stdout);
  });

  it('ignores NODE_EXTRA_CA_CERTS, which Node 20 would read at every start (the CLI opens no TLS connection)', () => {
    // A file that does not exist: Node 20 would warn about it on stderr at start-up.
    for (const launcher of [CLI, BLOB_CLI]) {
      for (const env of [{}, { NODE_OPTIONS: '--max-old-space-size=512' }] as Record<string, string>[]) {
        const got = exec(launcher, ['render', '--env', 'prod'], PRACTICUS, { ...env, NODE_EXTRA_CA_CERTS: join(scratch, 'no-such-ca.pem') });
        assert.equal(got.code, 0, got.stderr);
        assert.equal(got.stderr, '', `${launcher} ${JSON.stringify(env)}`);
        assert.equal(got.stdout, exec(process.execPath, [CLI_BUNDLE, 'render', '--env', 'prod'], PRACTICUS).stdout);
      }
    }
  });

  it('falls back to the plain bundle, saying so, when Node refuses the snapshot (another Node built it)', () => {
    // A copy of the blob build whose blob was built with other V8 flags: Node checks them like its version.
    const dist = join(scratch, 'dist-foreign-blob');
    cpSync(BLOB_DIST, dist, { recursive: true });
    writeFileSync(join(scratch, 'other.cjs'), "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
    const built = exec(process.execPath, ['--max-semi-space-size=2', '--snapshot-blob', join(dist, 'policy-bundle.blob'), '--build-snapshot', 'other.cjs'], scratch);
    assert.equal(built.code, 0, built.stderr);
    const got = exec(join(dist, 'policy-bundle'), ['render', '--env', 'prod'], PRACTICUS);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stderr, /cannot load the start-up snapshot .*running without it/);
    assert.equal(got.stdout, exec(process.execPath, [CLI_BUNDLE, 'render', '--env', 'prod'], PRACTICUS).stdout);
    // A failure of the CLI itself is never mistaken for a refused snapshot: no second run.
    const failed = exec(BLOB_CLI, ['render', '--env', 'qa'], PRACTICUS);
    assert.equal(failed.code, 2);
    assert.doesNotMatch(failed.stderr, /start-up snapshot/);
  });
});
