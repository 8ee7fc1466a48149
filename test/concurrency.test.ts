// Argo CD runs one plugin process per request, many at once, each in its own copy of the
// repository. The plugin keeps no shared writable state, writes no file (not in the working
// directory, not in TMPDIR), takes no lock: 20 simultaneous `generate` runs each print exactly the
// bundle a sequential run prints for their environment.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, PRACTICUS } from './helpers/cli.ts';

const ENVS = ['dev', 'staging', 'prod'] as const;
const RUNS = 20;

const scratch = mkdtempSync(join(tmpdir(), 'pb-concurrency-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file under a folder with a hash of its content: what a run must leave untouched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function generate(cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ['generate'], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('concurrency', () => {
  it(`${RUNS} simultaneous generate runs, each in its own copy, each print their own environment's bundle`, async () => {
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    // Sequential reference, one per environment, from a pristine copy.
    const reference = new Map<string, string>();
    const pristine = join(scratch, 'pristine');
    cpSync(PRACTICUS, pristine, { recursive: true });
    for (const e of ENVS) {
      const r = spawnSync(CLI, ['render', '--env', e, '--dir', pristine], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.length > 0);
      reference.set(e, r.stdout);
    }
    assert.notEqual(reference.get('dev'), reference.get('prod'), 'the environments differ, so a mix-up would show');

    const copies = Array.from({ length: RUNS }, (_, i) => {
      const dir = join(scratch, `copy-${i}`);
      cpSync(PRACTICUS, dir, { recursive: true });
      return dir;
    });
    const before = copies.map(snapshot);
    // Half name the environment through ARGOCD_ENV_ENVIRONMENT, half through the Application
    // parameter (with a misleading ARGOCD_ENV_ENVIRONMENT the parameter must win).
    const runs = await Promise.all(
      copies.map((cwd, i) => {
        const e = ENVS[i % ENVS.length]!;
        const env: Record<string, string> =
          i % 2 === 0
            ? { ARGOCD_ENV_ENVIRONMENT: e }
            : { ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'environment', string: e }]), ARGOCD_ENV_ENVIRONMENT: ENVS[(i + 1) % ENVS.length]! };
        return generate(cwd, { ...env, TMPDIR: tmp, ARGOCD_APP_NAME: `app-${i}`, ARGOCD_APP_NAMESPACE: 'argocd' });
      }),
    );
    runs.forEach((r, i) => {
      const e = ENVS[i % ENVS.length]!;
      assert.equal(r.code, 0, `run ${i} (${e}): ${r.stderr}`);
      assert.equal(r.stdout, reference.get(e), `run ${i} printed the bundle of ${e}`);
    });
    copies.forEach((dir, i) => assert.deepEqual(snapshot(dir), before[i], `run ${i} left its working directory as it found it`));
    assert.deepEqual(readdirSync(tmp), [], 'nothing written to TMPDIR');
  });
});
