// Environment overlays: extends chains, merge rules, cycle detection and the prod floor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { cli, MINIMAL_PLATFORM, tempRepo } from './helpers/cli.ts';

const env = (name: string, body: string) => `apiVersion: policy-bundle.dev/v1alpha1
kind: Environment
metadata: {name: ${name}}
spec:
${body}`;

const docs = (text: string) => text.split(/^---\n/m).filter(Boolean).map((d) => parse(d));
const kinds = (text: string) => docs(text).map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`);

describe('built-in baselines', () => {
  it('dev renders no NetworkPolicy, PERMISSIVE mTLS and dry-run authorization', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM });
    const r = await cli(['render', '--env', 'dev', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const ds = docs(r.stdout);
    assert.equal(ds.filter((d) => d.kind === 'NetworkPolicy').length, 0);
    assert.deepEqual(ds.filter((d) => d.kind === 'PeerAuthentication').map((d) => d.spec.mtls.mode), ['PERMISSIVE', 'PERMISSIVE']);
    const aps = ds.filter((d) => d.kind === 'AuthorizationPolicy');
    assert.ok(aps.length > 0);
    for (const ap of aps) assert.equal(ap.metadata.annotations['istio.io/dry-run'], 'true');
  });

  it('staging denies ingress only and enforces STRICT mTLS without allow-nothing', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM });
    const r = await cli(['render', '--env', 'staging', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const ds = docs(r.stdout);
    const deny = ds.filter((d) => d.metadata.name === 'default-deny');
    assert.deepEqual(deny.map((d) => d.spec.policyTypes), [['Ingress'], ['Ingress']]);
    assert.equal(ds.filter((d) => d.kind === 'NetworkPolicy' && d.spec.policyTypes.includes('Egress')).length, 0, 'egress policies would isolate pods for egress');
    assert.ok(ds.filter((d) => d.kind === 'PeerAuthentication').every((d) => d.spec.mtls.mode === 'STRICT'));
    assert.equal(ds.filter((d) => d.metadata.name === 'allow-nothing').length, 0);
    assert.ok(ds.filter((d) => d.kind === 'AuthorizationPolicy').every((d) => !d.metadata.annotations['istio.io/dry-run']));
  });

  it('prod denies both directions, keeps DNS and istiod carve-outs, and adds allow-nothing per namespace', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const ds = docs(r.stdout);
    assert.deepEqual(ds.filter((d) => d.metadata.name === 'default-deny').map((d) => d.spec.policyTypes), [['Ingress', 'Egress'], ['Ingress', 'Egress']]);
    const carve = ds.find((d) => d.metadata.name === 'allow-dns-istiod' && d.metadata.namespace === 'ml-jobs');
    assert.deepEqual(carve.spec.egress[0].ports, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    assert.deepEqual(carve.spec.egress[1].ports, [{ port: 15012, protocol: 'TCP' }]);
    assert.deepEqual(ds.filter((d) => d.metadata.name === 'allow-nothing').map((d) => [d.metadata.namespace, d.spec]), [['ml-jobs', {}], ['model-serving', {}]]);
  });
});

describe('extends and merging', () => {
  it('an overlay patches a named route by name and keeps the rest', async () => {
    const platform = MINIMAL_PLATFORM + `  routes:
    model-api:
      subsets: {v1: {version: v1}, v2: {version: v2}}
      http:
        - {name: predict, match: {prefix: /v1/predict}, weights: {v1: 90, v2: 10}, timeout: 5s}
        - {name: other, weights: {v1: 100}}
`;
    const dir = tempRepo({
      'platform.yaml': platform,
      'environments/prod.yaml': env('prod', '  extends: prod\n  platform:\n    routes:\n      model-api:\n        http:\n          - {name: predict, weights: {v1: 50, v2: 50}}\n'),
    });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const vs = docs(r.stdout).find((d) => d.kind === 'VirtualService');
    assert.deepEqual(vs.spec.http.map((h: { name: string }) => h.name), ['predict', 'other']);
    assert.deepEqual(vs.spec.http[0].route.map((x: { weight: number }) => x.weight), [50, 50]);
    assert.equal(vs.spec.http[0].timeout, '5s', 'keys the overlay does not name are kept');
  });

  it('prod-eu extends the repository prod, which extends the built-in prod', async () => {
    const dir = tempRepo({
      'platform.yaml': MINIMAL_PLATFORM,
      'environments/prod.yaml': env('prod', '  extends: prod\n  policy: {manageNamespaces: true}\n'),
      'environments/prod-eu.yaml': env('prod-eu', '  extends: prod\n  policy: {syncWaves: {virtualService: 30}}\n'),
    });
    const r = await cli(['render', '--env', 'prod-eu', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(kinds(r.stdout).includes('Namespace undefined/ml-jobs'), 'inherits manageNamespaces from the repository prod');
  });

  it('reports an extends cycle with the chain', async () => {
    const dir = tempRepo({
      'platform.yaml': MINIMAL_PLATFORM,
      'environments/a.yaml': env('a', '  extends: b\n'),
      'environments/b.yaml': env('b', '  extends: a\n'),
    });
    const r = await cli(['render', '--env', 'a', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /environments\/b\.yaml:5:3: extends cycle: a -> b -> a/);
  });

  it('refuses an overlay that loosens the prod floor, at the overlay line', async () => {
    const dir = tempRepo({
      'platform.yaml': MINIMAL_PLATFORM,
      'environments/prod.yaml': env('prod', '  extends: prod\n  policy:\n    mtls: PERMISSIVE\n    defaultDeny: {egress: false}\n'),
    });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /environments\/prod\.yaml:7:5: error PB010 below the prod floor: mTLS PERMISSIVE/);
    assert.match(r.stderr, /environments\/prod\.yaml:8:19: error PB010 below the prod floor: no default-deny egress/);
  });

  it('a repository prod.yaml without extends still builds on the built-in prod (and its floor)', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'environments/prod.yaml': env('prod', '  policy: {mtls: PERMISSIVE}\n') });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PB010/);
  });

  it('an unknown environment lists the known ones', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'environments/qa.yaml': env('qa', '  extends: staging\n') });
    const r = await cli(['render', '--env', 'uat', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown environment "uat"\n  hint: known environments: dev, prod, qa, staging/);
  });

  it('carve-outs can be switched off per environment', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'environments/lab.yaml': env('lab', '  extends: staging\n  policy: {defaultDeny: {egress: true}, carveOuts: {istiod: false}}\n') });
    const r = await cli(['render', '--env', 'lab', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const carve = docs(r.stdout).find((d) => d.metadata.name === 'allow-dns-istiod');
    assert.equal(carve.spec.egress.length, 1);
    assert.equal(carve.spec.egress[0].ports[0].port, 53);
  });

  it('the monitoring carve-out can be switched off, and its flows go with it', async () => {
    const platform = MINIMAL_PLATFORM + '  monitoring: {from: {workload: job-runner}, ports: [15020]}\n';
    const on = await cli(['render', '--env', 'prod', '--dir', tempRepo({ 'platform.yaml': platform })]);
    const off = await cli(['render', '--env', 'lab', '--dir', tempRepo({ 'platform.yaml': platform, 'environments/lab.yaml': env('lab', '  extends: prod\n  policy: {carveOuts: {monitoring: false}}\n') })]);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(off.code, 0, off.stderr);
    assert.match(on.stdout, /port: 15020/);
    assert.doesNotMatch(off.stdout, /15020/);
  });
});
