// The deployment artefacts: plugin.yaml, the kustomize component, the Helm values, the Applications.
// They are YAML that only Argo CD reads, so these tests stand in for it: the component is built by
// the real `kubectl kustomize` over a stand-in of Argo CD's argocd-repo-server Deployment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

// Parsed YAML: shapes are asserted field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const root = fileURLToPath(new URL('..', import.meta.url));
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const IMAGE = 'ghcr.io/policy-bundle/policy-bundle';

function readYaml(rel: string): Obj {
  const text = readFileSync(join(root, rel), 'utf8');
  const docs = parseAllDocuments(text);
  assert.equal(docs.length, 1, `${rel}: expected exactly one YAML document`);
  const [doc] = docs;
  assert.ok(doc);
  assert.deepEqual(doc.errors, [], `${rel}: YAML errors`);
  const value: unknown = doc.toJS();
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${rel}: not a mapping`);
  return value as Obj;
}

function kustomize(dir: string): Obj[] {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  assert.ifError(run.error); // e.g. ENOENT: kubectl is needed (client only) to build the component
  assert.equal(run.status, 0, `kubectl kustomize ${dir} failed:\n${run.stderr}`);
  return parseAllDocuments(run.stdout).map((d) => d.toJS() as Obj);
}

function byName(items: unknown, name: string): Obj {
  assert.ok(Array.isArray(items), `expected a list holding ${name}`);
  const found = (items as Obj[]).filter((i) => i?.name === name);
  assert.equal(found.length, 1, `expected exactly one item named ${name}, got ${found.length}`);
  return found[0]!;
}

// A stand-in for Argo CD's argocd-repo-server Deployment (manifests/base/repo-server): the parts a
// sidecar patch could damage — the main container with its mounts (its own /tmp, the plugins
// socket directory), the copyutil init container that fills var-files, and all the volumes.
const repoServerContainer = {
  name: 'argocd-repo-server',
  image: 'quay.io/argoproj/argocd:v3.1.0',
  args: ['/usr/local/bin/argocd-repo-server'],
  securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true },
  volumeMounts: [
    { name: 'ssh-known-hosts', mountPath: '/app/config/ssh' },
    { name: 'tls-certs', mountPath: '/app/config/tls' },
    { name: 'gpg-keys', mountPath: '/app/config/gpg/source' },
    { name: 'gpg-keyring', mountPath: '/app/config/gpg/keys' },
    { name: 'argocd-repo-server-tls', mountPath: '/app/config/reposerver/tls' },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'helm-working-dir', mountPath: '/helm-working-dir' },
    { name: 'plugins', mountPath: '/home/argocd/cmp-server/plugins' },
  ],
};
const copyutilContainer = {
  name: 'copyutil',
  image: 'quay.io/argoproj/argocd:v3.1.0',
  command: ['sh', '-c'],
  args: ['/bin/cp --update=none /usr/local/bin/argocd /var/run/argocd/argocd && /bin/ln -s /var/run/argocd/argocd /var/run/argocd/argocd-cmp-server'],
  volumeMounts: [{ name: 'var-files', mountPath: '/var/run/argocd' }],
};
const upstreamVolumes = [
  { name: 'ssh-known-hosts', configMap: { name: 'argocd-ssh-known-hosts-cm' } },
  { name: 'tls-certs', configMap: { name: 'argocd-tls-certs-cm' } },
  { name: 'gpg-keys', configMap: { name: 'argocd-gpg-keys-cm' } },
  { name: 'gpg-keyring', emptyDir: {} },
  { name: 'tmp', emptyDir: {} },
  { name: 'helm-working-dir', emptyDir: {} },
  { name: 'argocd-repo-server-tls', secret: { secretName: 'argocd-repo-server-tls', optional: true } },
  { name: 'var-files', emptyDir: {} },
  { name: 'plugins', emptyDir: {} },
];
const repoServerDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'argocd-repo-server', labels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
  spec: {
    selector: { matchLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
      spec: {
        serviceAccountName: 'argocd-repo-server',
        containers: [repoServerContainer],
        initContainers: [copyutilContainer],
        volumes: upstreamVolumes,
      },
    },
  },
};

// What the component must add, field for field.
const expectedSidecar = {
  name: 'policy-bundle',
  image: `${IMAGE}:v0.1.0`,
  command: ['/var/run/argocd/argocd-cmp-server'],
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 999,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  resources: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '1', memory: '512Mi' },
  },
  volumeMounts: [
    { name: 'var-files', mountPath: '/var/run/argocd' },
    { name: 'plugins', mountPath: '/home/argocd/cmp-server/plugins' },
    { name: 'policy-bundle-tmp', mountPath: '/tmp' },
  ],
};

describe('deploy/component: the kustomize component that adds the sidecar', () => {
  let work = '';
  let podSpec: Obj = {};

  // GIVEN a kustomization over the stand-in Deployment that uses the component by relative path
  function writeKustomization(dir: string, extra: Obj = {}): void {
    writeFileSync(join(dir, 'argocd-repo-server.yaml'), stringify(repoServerDeployment));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: 'argocd',
        resources: ['argocd-repo-server.yaml'],
        components: [relative(dir, join(root, 'deploy/component'))],
        ...extra,
      }),
    );
  }

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'policy-bundle-deploy-'));
    writeKustomization(work);
    // WHEN kustomize builds it
    const out = kustomize(work);
    assert.equal(out.length, 1, 'expected the one Deployment back');
    const [deployment] = out;
    assert.equal(deployment?.kind, 'Deployment');
    assert.equal(deployment?.metadata?.name, 'argocd-repo-server');
    podSpec = deployment?.spec?.template?.spec;
    assert.ok(podSpec, 'no pod spec in the output');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('adds the policy-bundle container exactly as specified', () => {
    assert.deepEqual(byName(podSpec.containers, 'policy-bundle'), expectedSidecar);
  });

  it('runs the sidecar as uid 999, non-root, on a read-only root filesystem, via argocd-cmp-server', () => {
    const sidecar = byName(podSpec.containers, 'policy-bundle');
    assert.equal(sidecar.securityContext.runAsUser, 999);
    assert.equal(sidecar.securityContext.runAsNonRoot, true);
    assert.equal(sidecar.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(sidecar.command, ['/var/run/argocd/argocd-cmp-server']);
    assert.ok(sidecar.resources?.requests?.cpu && sidecar.resources?.requests?.memory, 'requests set');
    assert.ok(sidecar.resources?.limits?.cpu && sidecar.resources?.limits?.memory, 'limits set');
  });

  it('mounts var-files, plugins and its own /tmp emptyDir (not the repo-server tmp volume)', () => {
    const mounts = byName(podSpec.containers, 'policy-bundle').volumeMounts as Obj[];
    const at = (path: string): string => {
      const m = mounts.filter((x) => x.mountPath === path);
      assert.equal(m.length, 1, `one mount at ${path}`);
      return m[0]!.name;
    };
    assert.equal(at('/var/run/argocd'), 'var-files');
    assert.equal(at('/home/argocd/cmp-server/plugins'), 'plugins');
    const tmp = at('/tmp');
    assert.notEqual(tmp, 'tmp', 'the sidecar must not share the repo-server tmp volume');
    assert.deepEqual(byName(podSpec.volumes, tmp), { name: tmp, emptyDir: {} });
    // every mount names a volume of the pod
    for (const m of mounts) byName(podSpec.volumes, m.name);
  });

  it('keeps the upstream containers, init containers and volumes unchanged', () => {
    assert.equal(podSpec.containers.length, 2);
    // appended, so kubectl logs/exec still default to the repo-server
    assert.deepEqual(podSpec.containers[0], repoServerContainer);
    assert.deepEqual(podSpec.initContainers, [copyutilContainer]);
    for (const v of upstreamVolumes) assert.deepEqual(byName(podSpec.volumes, v.name), v);
    assert.equal(podSpec.volumes.length, upstreamVolumes.length + 1, 'exactly one volume added');
    assert.equal(podSpec.serviceAccountName, 'argocd-repo-server');
  });

  it('lets the consuming kustomization change the image with `images:`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-bundle-deploy-images-'));
    try {
      writeKustomization(dir, {
        images: [{ name: IMAGE, newName: 'registry.example.com/mirror/policy-bundle', newTag: 'v0.1.1' }],
      });
      const [deployment] = kustomize(dir);
      const containers = deployment?.spec?.template?.spec?.containers as Obj[];
      assert.equal(byName(containers, 'policy-bundle').image, 'registry.example.com/mirror/policy-bundle:v0.1.1');
      assert.equal(byName(containers, 'argocd-repo-server').image, repoServerContainer.image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploy/helm/values.yaml adds the same container and volume (the two cannot drift)', () => {
    const values = readYaml('deploy/helm/values.yaml');
    const extra = values.repoServer?.extraContainers as Obj[];
    assert.equal(extra?.length, 1);
    assert.deepEqual(extra[0], byName(podSpec.containers, 'policy-bundle'));
    assert.deepEqual(values.repoServer?.volumes, [byName(podSpec.volumes, 'policy-bundle-tmp')]);
    // the chart runs extraContainers through `tpl`
    assert.doesNotMatch(JSON.stringify(values), /\{\{/);
  });
});

// Keys Argo CD's ConfigManagementPlugin decoder knows (shared/CMP-CONTRACT.md). Unknown keys are
// ignored without a word by Argo CD, so a typo must fail here instead.
const SPEC_KEYS = ['version', 'init', 'generate', 'discover', 'parameters', 'preserveFileMode', 'provideGitCreds'];
const ANNOUNCEMENT_KEYS = ['name', 'title', 'tooltip', 'required', 'itemType', 'collectionType', 'string', 'array', 'map'];

function assertCommand(cmd: Obj | undefined, expected: string[], what: string): void {
  assert.ok(cmd, `${what} missing`);
  assert.deepEqual(Object.keys(cmd).filter((k) => k !== 'command' && k !== 'args'), [], `${what}: unknown keys`);
  assert.ok(Array.isArray(cmd.command), `${what}.command must be a list (a string crash-loops the sidecar)`);
  assert.ok(cmd.command.every((s: unknown) => typeof s === 'string'), `${what}.command: strings only`);
  assert.deepEqual([...cmd.command, ...(cmd.args ?? [])], expected, `${what}: command + args`);
}

describe('plugin.yaml: the ConfigManagementPlugin contract', () => {
  const plugin = readYaml('plugin.yaml');
  const spec = plugin.spec as Obj;

  it('is a ConfigManagementPlugin named policy-bundle, version v1', () => {
    assert.equal(plugin.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(plugin.kind, 'ConfigManagementPlugin');
    assert.equal(plugin.metadata?.name, 'policy-bundle');
    assert.equal(spec.version, 'v1');
  });

  it('uses only keys Argo CD knows, and no init or lockRepo', () => {
    for (const key of Object.keys(spec)) assert.ok(SPEC_KEYS.includes(key), `spec.${key} is not a CMP field`);
    assert.equal(spec.init, undefined);
    assert.equal(spec.lockRepo, undefined);
  });

  it('generates with `policy-bundle generate`, executed directly (no shell)', () => {
    assertCommand(spec.generate, ['policy-bundle', 'generate'], 'generate');
    assert.equal(spec.generate.command[0], 'policy-bundle');
    for (const word of spec.generate.command) assert.doesNotMatch(word, /^(sh|bash|-c)$|\s/);
  });

  it('is discovered by platform.yaml in the application path', () => {
    assert.deepEqual(spec.discover, { fileName: 'platform.yaml' });
  });

  it('announces the static parameter `environment` (required string) and dynamic parameters', () => {
    const statics = spec.parameters?.static as Obj[];
    assert.ok(Array.isArray(statics));
    const env = byName(statics, 'environment');
    assert.equal(typeof env.title, 'string');
    assert.equal(typeof env.tooltip, 'string');
    assert.equal(env.required, true);
    assert.ok(env.collectionType === undefined || env.collectionType === 'string');
    for (const p of statics) {
      for (const key of Object.keys(p)) assert.ok(ANNOUNCEMENT_KEYS.includes(key), `parameter ${p.name}: ${key}?`);
    }
    assertCommand(spec.parameters?.dynamic, ['policy-bundle', 'parameters'], 'parameters.dynamic');
  });
});

// Substitutes `{{.key}}` (ApplicationSet go templates, as used in deploy/applicationset.yaml) in
// every string of `value`; anything else between braces is an error (missingkey=error).
function renderTemplate(value: unknown, params: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
      const key = /^\.(\w+)$/.exec(expr)?.[1];
      assert.ok(key !== undefined && key in params, `template expression {{${expr}}} not supported or missing`);
      return params[key]!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplate(v, params));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplate(v, params)]));
  }
  return value;
}

describe('deploy/applications and deploy/applicationset.yaml', () => {
  const plugin = readYaml('plugin.yaml');
  const pluginName = `${plugin.metadata.name}-${plugin.spec.version}`;

  for (const env of ENVIRONMENTS) {
    it(`applications/${env}.yaml renders environment ${env} with ${pluginName}`, () => {
      const app = readYaml(`deploy/applications/${env}.yaml`);
      assert.equal(app.apiVersion, 'argoproj.io/v1alpha1');
      assert.equal(app.kind, 'Application');
      assert.equal(app.metadata?.name, `policy-bundle-${env}`);
      const source = app.spec?.source as Obj;
      assert.equal(source.plugin?.name, pluginName);
      assert.deepEqual(source.plugin?.parameters, [{ name: 'environment', string: env }]);
      assert.equal(typeof source.repoURL, 'string');
      assert.equal(typeof source.path, 'string');
      // the bundle sets metadata.namespace on every resource; see the comment in the file
      assert.equal(app.spec?.destination?.namespace, undefined);
      const options = app.spec?.syncPolicy?.syncOptions as string[];
      assert.ok(options.includes('PruneLast=true'));
      for (const o of options) assert.match(o, /^[A-Za-z]+=[a-z]+$/, `malformed sync option ${o}`);
      // no cascading delete of a running platform's policies
      assert.equal(app.metadata?.finalizers, undefined);
    });
  }

  it('the ApplicationSet generates exactly the Applications of deploy/applications', () => {
    const set = readYaml('deploy/applicationset.yaml');
    assert.equal(set.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(set.kind, 'ApplicationSet');
    assert.equal(set.spec?.goTemplate, true);
    const generators = set.spec?.generators as Obj[];
    assert.equal(generators.length, 1);
    const elements = generators[0]?.list?.elements as Record<string, string>[];
    assert.deepEqual(elements.map((e) => e.env), [...ENVIRONMENTS]);
    for (const element of elements) {
      const generated = renderTemplate(set.spec.template, element) as Obj;
      const app = readYaml(`deploy/applications/${element.env}.yaml`);
      assert.equal(generated.metadata.name, app.metadata.name);
      assert.equal(generated.metadata.namespace, app.metadata.namespace);
      assert.deepEqual(generated.spec, app.spec, `generated spec for ${element.env} differs from applications/${element.env}.yaml`);
    }
  });
});
