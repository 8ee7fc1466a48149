// Runs plugin.yaml the way argocd-cmp-server does (CMP-CONTRACT.md): no shell, command[0] looked
// up on PATH, the app path inside a fresh copy of the repository with files 0644 and folders 0755,
// Argo CD's variables, and stdout parsed the way Argo CD parses it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CLI, PRACTICUS, PROJECT } from './helpers/cli.ts';

const plugin = parse(readFileSync(join(PROJECT, 'plugin.yaml'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'pb-cmp-'));
const bin = join(work, 'bin');
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy as the cmp-server makes it: whole repo, app path inside, modes reset. */
function copyRepo(): string {
  const root = mkdtempSync(join(work, 'repo-'));
  const app = join(root, 'policies', 'practicus');
  mkdirSync(join(root, 'policies'), { recursive: true });
  cpSync(PRACTICUS, app, { recursive: true });
  const reset = (p: string) => {
    for (const e of readdirSync(p)) {
      const f = join(p, e);
      if (statSync(f).isDirectory()) {
        chmodSync(f, 0o755);
        reset(f);
      } else chmodSync(f, 0o644);
    }
  };
  reset(root);
  return app;
}

const CLUSTER_V1 = 'admissionregistration.k8s.io/v1,apps/v1,networking.istio.io/v1,networking.istio.io/v1/DestinationRule,networking.istio.io/v1/VirtualService,networking.istio.io/v1beta1,networking.k8s.io/v1,security.istio.io/v1,security.istio.io/v1/AuthorizationPolicy,security.istio.io/v1/PeerAuthentication,security.istio.io/v1beta1,v1';

function argoEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: work,
    ARGOCD_APP_NAME: 'policies-prod',
    ARGOCD_APP_NAMESPACE: 'argocd',
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_REVISION_SHORT: '0123456',
    ARGOCD_APP_REVISION_SHORT_8: '01234567',
    ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/platform/policies.git',
    ARGOCD_APP_SOURCE_PATH: 'policies/practicus',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    KUBE_VERSION: '1.31.2',
    KUBE_API_VERSIONS: CLUSTER_V1,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** exec without a shell, as cmpserver/plugin/plugin.go does */
function runCommand(spec: { command: string[]; args?: string[] }, cwd: string, env: Record<string, string>) {
  const [cmd, ...rest] = spec.command;
  const r = spawnSync(cmd!, [...rest, ...(spec.args ?? [])], { cwd, env, encoding: 'utf8', shell: false, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Argo CD's manifest parsing: JSON stream if it starts with "{", else YAML split on "---" lines. */
function parseLikeArgo(stdout: string): Record<string, unknown>[] {
  const out = stdout.replace(/\n$/, '');
  assert.ok(!out.trimStart().startsWith('{'), 'YAML expected');
  const docs = out.split(/^---.*$/m).map((d) => parse(d)).filter((d) => d !== null && d !== undefined);
  for (const d of docs) {
    assert.equal(typeof d, 'object');
    assert.ok(!Array.isArray(d), 'top-level arrays are rejected');
    assert.ok(typeof d.kind === 'string', "Object 'Kind' is missing");
  }
  return docs;
}

before(() => {
  mkdirSync(bin, { recursive: true });
  // The image puts the CLI on PATH under its name; so does the test.
  assert.ok(existsSync(CLI), 'run npm run build first');
  symlinkSync(CLI, join(bin, 'policy-bundle'));
});

describe('plugin.yaml run as argocd-cmp-server runs it', () => {
  it('discovers the app path by platform.yaml', () => {
    assert.ok(existsSync(join(copyRepo(), plugin.spec.discover.fileName)));
  });

  it('generate renders the environment named by the Application parameter', () => {
    const app = copyRepo();
    const params = JSON.stringify([{ name: 'environment', string: 'prod' }, { array: ['a', 'b'], name: 'extra' }, { map: { k: 'v' }, name: 'labels' }]);
    const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_APP_PARAMETERS: params, ARGOCD_ENV_ENVIRONMENT: 'dev' }));
    assert.equal(r.code, 0, r.stderr);
    const docs = parseLikeArgo(r.stdout);
    const expected = readFileSync(join(PROJECT, 'test/golden/practicus/prod.yaml'), 'utf8');
    assert.equal(r.stdout, expected, 'the parameter wins over ARGOCD_ENV_ENVIRONMENT, and the bundle is the prod golden');
    assert.ok(docs.some((d) => d.kind === 'NetworkPolicy'));
    for (const d of docs) {
      const meta = d.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
      assert.ok(!('app.kubernetes.io/instance' in meta.labels) && !('argocd.argoproj.io/tracking-id' in meta.annotations), 'tracking is Argo CD\'s');
    }
  });

  it('tolerates escaped characters, null and absent parameters, falling back to ARGOCD_ENV_ENVIRONMENT', () => {
    const app = copyRepo();
    for (const params of ['[{"name":"note","string":"\\u003cb\\u003e \\u0026"},{"name":"environment","string":"staging"}]']) {
      const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_APP_PARAMETERS: params }));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /mode: STRICT/);
    }
    for (const params of ['null', undefined]) {
      const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_APP_PARAMETERS: params, ARGOCD_ENV_ENVIRONMENT: 'dev' }));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /istio\.io\/dry-run: "true"/);
    }
  });

  it('an unknown or missing environment fails, listing the known ones, with nothing on stdout', () => {
    const app = copyRepo();
    const unknown = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_APP_PARAMETERS: '[{"name":"environment","string":"qa"}]' }));
    assert.notEqual(unknown.code, 0);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /unknown environment "qa"\n  hint: known environments: dev, prod, staging/);
    const missing = runCommand(plugin.spec.generate, app, argoEnv({}));
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /no environment given[\s\S]*dev, prod, staging/);
  });

  it('a cluster without Istio fails naming Istio and how to turn mesh rules off', () => {
    const app = copyRepo();
    const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_ENV_ENVIRONMENT: 'staging', KUBE_API_VERSIONS: 'apps/v1,networking.k8s.io/v1,v1' }));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Istio is not installed/);
    assert.match(r.stderr, /^environments\/staging\.yaml:1:1: error PB020 /m);
    assert.match(r.stderr, /spec\.policy\.mesh: false in environments\/staging\.yaml/);
  });

  it('a cluster serving only v1beta1 gets v1beta1 Istio resources', () => {
    const app = copyRepo();
    const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_ENV_ENVIRONMENT: 'prod', KUBE_API_VERSIONS: 'networking.istio.io/v1beta1,networking.k8s.io/v1,security.istio.io/v1beta1,v1' }));
    assert.equal(r.code, 0, r.stderr);
    const versions = new Set(parseLikeArgo(r.stdout).map((d) => `${d.apiVersion} ${d.kind}`));
    assert.deepEqual([...versions].sort(), [
      'networking.istio.io/v1beta1 DestinationRule',
      'networking.istio.io/v1beta1 VirtualService',
      'networking.k8s.io/v1 NetworkPolicy',
      'security.istio.io/v1beta1 AuthorizationPolicy',
      'security.istio.io/v1beta1 PeerAuthentication',
      'v1 Namespace',
    ]);
  });

  it('the dynamic parameters command works in the reduced environment and lists the environments', () => {
    const app = copyRepo();
    const r = runCommand(plugin.spec.parameters.dynamic, app, { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, ARGOCD_APP_NAME: 'x' });
    assert.equal(r.code, 0, r.stderr);
    const announcements = JSON.parse(r.stdout);
    assert.ok(Array.isArray(announcements));
    assert.equal(announcements[0].name, 'environments');
    assert.equal(announcements[0].collectionType, 'array');
    assert.deepEqual(announcements[0].array, ['dev', 'prod', 'staging']);
    assert.ok(!announcements.some((a: { name: string }) => plugin.spec.parameters.static.some((s: { name: string }) => s.name === a.name)), 'a static announcement of the same name would hide it');
  });

  it('an empty bundle is an error, never a silent success (Argo CD would prune everything)', () => {
    const app = copyRepo();
    // dev without mesh rules renders nothing at all: no isolating NetworkPolicies, no Istio.
    writeFileSync(join(app, 'environments/bare.yaml'), 'apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: bare}\nspec: {extends: dev, policy: {mesh: false}}\n');
    const r = runCommand(plugin.spec.generate, app, argoEnv({ ARGOCD_ENV_ENVIRONMENT: 'bare' }));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /environment "bare" renders no resources/);
  });

  it('a wrong app path (no platform.yaml) fails with a hint', () => {
    const app = copyRepo();
    const r = runCommand(plugin.spec.generate, join(app, '..'), argoEnv({ ARGOCD_ENV_ENVIRONMENT: 'prod' }));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no platform\.yaml/);
  });
});
