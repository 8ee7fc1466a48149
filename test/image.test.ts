// The sidecar image, built for real from ./Dockerfile with ../shared/tools/build-image.sh (buildah,
// no Docker engine), and the CLI run inside it as uid 999, as Argo CD runs it.
//
// Slow: the first run on a machine builds the node:24-slim base with debootstrap (minutes); later
// runs reuse it from WORK (below) and the build layers. The test skips, loudly, only when it cannot
// run here at all: not root (debootstrap and chroot need it), or the package mirrors unreachable.
// A broken Dockerfile or a failing command fails it.
//
//   POLICY_BUNDLE_BUILD_IMAGE   the build script (default ../shared/tools/build-image.sh)
//   POLICY_BUNDLE_IMAGE_WORK    buildah storage and base-image cache (default $TMPDIR/policy-bundle-image)
//   CLEAN=1                     delete that cache after the last run
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = process.env.POLICY_BUNDLE_BUILD_IMAGE ?? join(root, '../shared/tools/build-image.sh');
const WORK = process.env.POLICY_BUNDLE_IMAGE_WORK ?? join(tmpdir(), 'policy-bundle-image');
const IMAGE = 'localhost/policy-bundle-test:latest';
const EXAMPLE = '/opt/policy-bundle/examples/practicus';
const MINUTES = 60_000;

// ---- preconditions --------------------------------------------------------------------------

function debianMirror(): string {
  try {
    const sources = readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8');
    const uri = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
    if (uri) return uri.replace(/\/+$/, '');
  } catch {
    // no deb822 sources file: the build script falls back to the same default
  }
  return 'http://deb.debian.org/debian';
}

async function whyNotRunnable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root (build-image.sh needs apt-get, debootstrap and chroot)';
  if (!existsSync(script)) return undefined; // not a reason to skip: the run below fails on it
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 20_000 });
  if (ping.status !== 0) return `the npm registry is unreachable (npm ping: ${(ping.stderr || String(ping.error)).trim().split('\n').pop()})`;
  const mirror = debianMirror();
  try {
    const res = await fetch(`${mirror}/dists/bookworm/Release`, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    if (!res.ok) return `the Debian mirror ${mirror} answers ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return `the Debian mirror ${mirror} is unreachable (${cause})`;
  }
  return undefined;
}

// ---- running build-image.sh ------------------------------------------------------------------

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  log: string; // the whole output, kept for a post-mortem
}

/** build-image.sh [root] -- cmd...: builds the image (cached layers after the first run), runs cmd. */
function buildAndRun(t: TestContext, label: string, cmd: string[], timeoutMs: number, last = false): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, WORK, IMAGE, EXPECT_UID: '999' };
  if (!last) delete env.CLEAN; // keep the base image for the next run
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // its own process group, so that a time-out ends buildah and its children too
    const child = spawn('bash', [script, root, '--', ...cmd], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const stop = (why: string): void => {
      stderr += `\n[image.test] ${why}, killing the build`;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs / 1000}s`), timeoutMs);
    const onAbort = (): void => stop('test cancelled');
    t.signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      t.signal.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code) => {
      done();
      const run = { code, stdout, stderr, seconds: (Date.now() - started) / 1000, log: join(WORK, `image-test-${label}.log`) };
      try {
        // WORK is gone after a run with CLEAN=1: then there is nowhere to keep the log
        writeFileSync(run.log, `$ build-image.sh -- ${cmd.join(' ')}\n${stdout}\n--- stderr ---\n${stderr}`);
      } catch {
        run.log = '(not kept)';
      }
      resolve(run);
    });
  });
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** What the command printed inside the image: between build-image.sh's "run in image" and "CLI exit code" lines. */
function cliOutput(run: Run): string {
  const lines = run.stdout.split('\n');
  const start = lines.findIndex((l) => /^== \[.*\] run in image: /.test(l));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('CLI exit code:'));
  assert.ok(start >= 0 && end > start, `cannot find the command's output in:\n${tail(run.stdout)}`);
  return lines.slice(start + 1, end).join('\n');
}

function assertRan(run: Run, what: string): void {
  const log = `--- stdout (tail) ---\n${tail(run.stdout)}\n--- stderr (tail) ---\n${tail(run.stderr)}\n(whole output: ${run.log})`;
  assert.equal(run.code, 0, `${what} exited ${run.code}\n${log}`);
  assert.match(run.stdout, /CLI exit code: 0; runs as uid 999\b/, `${what} did not run as uid 999\n${log}`);
}

function report(t: TestContext, what: string, run: Run): void {
  const line = `${what}: build + run took ${run.seconds.toFixed(1)}s`;
  t.diagnostic(line);
  console.error(`[image.test] ${line}`);
}

// ---- the tests -------------------------------------------------------------------------------

describe('the sidecar image (Dockerfile, built with build-image.sh)', { timeout: 20 * MINUTES }, async () => {
  const skip = await whyNotRunnable();
  if (skip) console.error(`[image.test] SKIPPED: ${skip} — the image was NOT built or tested`);

  it('builds, and `policy-bundle --help` runs as uid 999', { timeout: 20 * MINUTES }, async (t) => {
    if (skip) return t.skip(`SKIPPED: ${skip}`);
    const run = await buildAndRun(t, 'help', ['policy-bundle', '--help'], 19 * MINUTES);
    report(t, 'first build (base image from cache or debootstrap)', run);
    assertRan(run, 'policy-bundle --help');
    assert.match(cliOutput(run), /generate/, 'the help names the CMP entry point');
  });

  it('renders the example prod bundle inside the image', { timeout: 20 * MINUTES }, async (t) => {
    if (skip) return t.skip(`SKIPPED: ${skip}`);
    const run = await buildAndRun(t, 'render', ['policy-bundle', 'render', '--env', 'prod', '--dir', EXAMPLE], 19 * MINUTES);
    report(t, 'cached build + render', run);
    assertRan(run, 'policy-bundle render --env prod');
    const out = cliOutput(run);
    assert.match(out, /^kind: NetworkPolicy$/m);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind?: unknown } | null).filter((d) => d !== null);
    assert.ok(docs.length > 0, 'no documents rendered');
    for (const d of docs) assert.equal(typeof d.kind, 'string', 'every document has a kind');
  });

  it('holds dist/ only, not writable by uid 999, plugin.yaml in place, and runs `generate` as Argo CD does', { timeout: 20 * MINUTES }, async (t) => {
    if (skip) return t.skip(`SKIPPED: ${skip}`);
    // One node process inside the image, as uid 999, printing facts as JSON.
    const probe = `
      const fs = require('node:fs'), cp = require('node:child_process');
      const writable = (p) => { try { fs.accessSync(p, fs.constants.W_OK); return true; } catch { return false; } };
      const generate = cp.spawnSync('policy-bundle', ['generate'], {
        cwd: ${JSON.stringify(EXAMPLE)}, encoding: 'utf8',
        env: { ...process.env, ARGOCD_APP_PARAMETERS: '[{"name":"environment","string":"prod"}]' } });
      const render = cp.spawnSync('policy-bundle', ['render', '--env', 'prod', '--dir', ${JSON.stringify(EXAMPLE)}], { encoding: 'utf8' });
      console.log(JSON.stringify({
        opt: fs.readdirSync('/opt/policy-bundle').sort(),
        bin: fs.realpathSync('/usr/local/bin/policy-bundle'),
        // the first policy-bundle on PATH, as argocd-cmp-server's exec finds it
        onPath: process.env.PATH.split(':').find((d) => fs.existsSync(d + '/policy-bundle')) + '/policy-bundle',
        distWritable: writable('/opt/policy-bundle/dist'),
        binWritable: ['policy-bundle', 'policy-bundle-sea', 'policy-bundle.mjs'].some((f) => writable('/opt/policy-bundle/dist/' + f)),
        dist: fs.readdirSync('/opt/policy-bundle/dist').sort(),
        pluginYaml: fs.readFileSync('/home/argocd/cmp-server/config/plugin.yaml', 'utf8'),
        generate: { status: generate.status, stdout: generate.stdout, stderr: generate.stderr },
        render: { status: render.status, stdout: render.stdout, stderr: render.stderr },
      }));`;
    const run = await buildAndRun(t, 'layout', ['node', '-e', probe], 19 * MINUTES, true);
    report(t, 'cached build + layout probe', run);
    assertRan(run, 'the layout probe');
    const facts = JSON.parse(cliOutput(run).trim().split('\n').pop()!);
    assert.deepEqual(facts.opt, ['dist', 'examples'], 'production content only (no node_modules, no sources)');
    assert.deepEqual(facts.dist, ['chunks', 'policy-bundle', 'policy-bundle-sea', 'policy-bundle.mjs'], 'the launcher, the single executable with the start-up snapshot, and the plain bundle');
    assert.equal(facts.bin, '/opt/policy-bundle/dist/policy-bundle', 'the launcher is on PATH');
    // Found through the symbolic link, the launcher would spend a `readlink -f` process on every call.
    assert.equal(facts.onPath, '/opt/policy-bundle/dist/policy-bundle', 'PATH finds the launcher itself, not the symbolic link to it');
    assert.equal(facts.distWritable, false, 'uid 999 must not be able to change the plugin');
    assert.equal(facts.binWritable, false);
    assert.equal(facts.pluginYaml, readFileSync(join(root, 'plugin.yaml'), 'utf8'), 'plugin.yaml baked in as committed');
    assert.equal(facts.generate.status, 0, `generate failed: ${facts.generate.stderr}`);
    // The launcher names the snapshot on stderr only when it had to run without it.
    assert.doesNotMatch(facts.generate.stderr + facts.render.stderr, /start-up snapshot/, "the image's node loads the image's snapshot");
    assert.match(facts.generate.stdout, /^kind: NetworkPolicy$/m);
    assert.equal(facts.generate.stdout, facts.render.stdout, 'generate (Argo CD) and render (a person) print the same bundle');
  });
});
