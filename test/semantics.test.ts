// Semantic tests: the rendered prod bundle of examples/practicus, evaluated the way Kubernetes and
// Istio evaluate it (plugin/analyze), connection by connection: declared flows are allowed,
// everything else is denied, at the layer that should deny it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { evaluate, indexCluster } from '../plugin/analyze/evaluate.ts';
import type { Cluster, Connection, KubeObject, Peer, Pod } from '../plugin/analyze/model.ts';
import { composeEnvironment, loadRepository } from '../plugin/load/load.ts';
import { validateEnvironment } from '../plugin/validate/validate.ts';
import { cli, MINIMAL_PLATFORM, PRACTICUS, tempRepo } from './helpers/cli.ts';

const docs = (text: string) => text.split(/^---\n/m).filter(Boolean).map((d) => parse(d) as KubeObject);

/** Pods as the platform describes them (model-api has a v1 and a v2 pod), plus kube-dns and istiod. */
function podsOf(dir: string, env: string): Pod[] {
  const v = validateEnvironment(composeEnvironment(loadRepository(dir), env));
  const pods: Pod[] = [];
  for (const w of v.index!.workloads.values()) {
    const base = { namespace: w.namespace, serviceAccount: w.serviceAccount, inMesh: w.mesh, ports: (w.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })) };
    if (w.name === 'model-api') {
      pods.push({ ...base, name: 'model-api-v1', labels: { ...w.selector, version: 'v1' } });
      pods.push({ ...base, name: 'model-api-v2', labels: { ...w.selector, version: 'v2' } });
    } else pods.push({ ...base, name: w.name, labels: { ...w.selector } });
  }
  // A pod the platform does not know, in a namespace it does: selectors must keep it out.
  pods.push({ namespace: 'ml-jobs', name: 'notebook', labels: { app: 'notebook' }, serviceAccount: 'notebook', inMesh: true, ports: [] });
  pods.push({ namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, inMesh: false, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  pods.push({ namespace: 'istio-system', name: 'istiod', labels: { app: 'istiod' }, inMesh: false, ports: [{ name: 'grpc-xds', port: 15012 }] });
  return pods;
}

async function clusterFor(dir: string, env: string, mutate: (objs: KubeObject[]) => KubeObject[] = (o) => o): Promise<Cluster & { pod(name: string): Peer }> {
  const r = await cli(['render', '--env', env, '--dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  const objects = mutate(docs(r.stdout).filter((d) => d.kind !== 'Namespace'));
  const pods = podsOf(dir, env);
  // Namespaces carry the labels the platform declares (prod manages them; elsewhere they are set).
  const platform = parse(readFileSync(join(dir, 'platform.yaml'), 'utf8')).spec.modules as Record<string, { labels?: Record<string, string> } | null>;
  const namespaces = [...new Set(pods.map((p) => p.namespace))].map((name) => ({ name, labels: { ...platform[name]?.labels } }));
  return {
    namespaces,
    pods,
    objects,
    pod(name: string) {
      const p = pods.find((x) => x.name === name);
      assert.ok(p, `no pod ${name}`);
      return { pod: p };
    },
  };
}

type Case = [string, string | { ip: string }, string | { ip: string }, number, Partial<Connection>?];

describe('prod bundle of examples/practicus, evaluated', async () => {
  const cluster = await clusterFor(PRACTICUS, 'prod');
  const index = indexCluster(cluster);
  const peer = (p: string | { ip: string }): Peer => (typeof p === 'string' ? cluster.pod(p) : p);
  const check = (c: Case) => evaluate(index, { from: peer(c[1]), to: peer(c[2]), port: c[3], ...c[4] });

  const allowed: Case[] = [
    ['data-prep reaches ml-platform on TCP 8080 (the seed example)', 'prep-pipeline', 'trainer', 8080],
    ['job-runner may POST /v1/predict on model-api (v1)', 'job-runner', 'model-api-v1', 8080, { method: 'POST', path: '/v1/predict' }],
    ['job-runner may POST /v1/predict on model-api (canary)', 'job-runner', 'model-api-v2', 8080, { method: 'POST', path: '/v1/predict' }],
    ['model serving reaches the feature store database port', 'model-api-v1', 'feature-db', 5432],
    ['the API gateway reaches LLM services on HTTPS', 'gateway', 'llm-inference', 8443],
    ['monitoring scrapes Istio merged metrics in the feature store', 'prometheus', 'feature-db', 15020],
    ['monitoring scrapes an app metrics port by name', 'prometheus', 'model-api-v1', 9090],
    ['clients in the load balancer subnet reach the gateway (plaintext, port-level PERMISSIVE)', { ip: '10.20.1.5' }, 'gateway', 8443],
    ['ingestion reaches its external sources', 'ingest-worker', { ip: '203.0.113.10' }, 443],
    ['every pod resolves names over UDP 53', 'feature-db', 'coredns', 53, { protocol: 'UDP' }],
    ['every pod resolves names over TCP 53', 'trainer', 'coredns', 53],
    ['sidecars reach istiod on 15012', 'gateway', 'istiod', 15012],
    ['reporting reads features with GET', 'dashboards', 'feature-api', 8080, { method: 'GET', path: '/v1/features/churn' }],
  ];
  const denied: Case[] = [
    ['job-runner may not GET /v1/predict', 'job-runner', 'model-api-v1', 8080, { method: 'GET', path: '/v1/predict' }],
    ['job-runner may not POST elsewhere on model-api', 'job-runner', 'model-api-v1', 8080, { method: 'POST', path: '/v1/admin' }],
    ['reporting may not call model-api', 'dashboards', 'model-api-v1', 8080, { method: 'POST', path: '/v1/predict' }],
    ['monitoring reaches no data store', 'prometheus', 'feature-db', 5432],
    ['training may not reach the feature store database', 'trainer', 'feature-db', 5432],
    ['only the API gateway reaches LLM services', 'job-runner', 'llm-inference', 8443],
    ['data-prep may not reach ml-platform on another port', 'prep-pipeline', 'trainer', 9090],
    ['the excepted subnet may not reach the gateway', { ip: '10.20.99.7' }, 'gateway', 8443],
    ['clients may not reach the gateway on another port', { ip: '10.20.1.5' }, 'gateway', 9443],
    ['ingestion may not reach other external addresses', 'ingest-worker', { ip: '198.51.100.1' }, 443],
    ['reporting may not write features', 'dashboards', 'feature-api', 8080, { method: 'PUT', path: '/v1/features/churn' }],
    ['an undeclared pair inside one namespace is denied', 'feature-api', 'feature-db', 8080],
  ];

  for (const c of allowed) {
    it(`allows: ${c[0]}`, () => {
      const v = check(c);
      assert.equal(v.allowed, true, JSON.stringify(v.reasons.filter((r) => r.effect !== 'allow' && r.effect !== 'info'), null, 1));
    });
  }
  for (const c of denied) {
    it(`denies: ${c[0]}`, () => {
      assert.equal(check(c).allowed, false);
    });
  }

  it('a stranger pod in the caller\'s namespace is denied at both layers (pod selector and principal)', () => {
    const v = check(['', 'notebook', 'model-api-v1', 8080, { method: 'POST', path: '/v1/predict' }]);
    assert.equal(v.l4.allowed, false, 'egress and ingress rules select job-runner\'s pods, not the namespace');
    assert.equal(v.l7.allowed, false, 'the principal is job-runner\'s');
  });

  it('denies undeclared traffic at both layers: L3/L4 and L7', () => {
    const v = check(['', 'dashboards', 'model-api-v1', 8080, { method: 'POST', path: '/v1/predict' }]);
    assert.equal(v.l4.allowed, false);
    assert.equal(v.l7.allowed, false);
  });
});

describe('the from/to-in-separate-rules mistake', () => {
  it('the rendered rule (from and to together) denies another caller; split into two rules it would allow it', async () => {
    const split = (objs: KubeObject[]) =>
      objs.map((o) => {
        if (o.kind !== 'AuthorizationPolicy' || o.metadata.name !== 'allow-model-api') return o;
        const rules = (o.spec.rules as { from?: unknown; to?: unknown }[]).flatMap((r) => [{ from: r.from }, { to: r.to }]);
        return { ...o, spec: { ...o.spec, rules } };
      });
    const conn = (c: Cluster & { pod(n: string): Peer }): Connection => ({ from: c.pod('dashboards'), to: c.pod('model-api-v1'), port: 8080, method: 'POST', path: '/v1/predict' });
    const right = await clusterFor(PRACTICUS, 'prod');
    const wrong = await clusterFor(PRACTICUS, 'prod', split);
    assert.equal(evaluate(right, conn(right)).l7.allowed, false);
    assert.equal(evaluate(wrong, conn(wrong)).l7.allowed, true, 'separate rules are ORed and open access');
  });
});

describe('named ports resolve on the receiving pods', () => {
  it('a flow to port "http" opens each workload on its own container port, not the other\'s', async () => {
    const platform = MINIMAL_PLATFORM.replace(
      "job-runner: {module: ml-jobs, selector: {app: job-runner}, serviceAccount: job-runner}",
      "job-runner: {module: ml-jobs, selector: {app: job-runner}, serviceAccount: job-runner, ports: [{name: http, port: 9000}]}",
    ).replace('  flows:\n', '  flows:\n    - {name: back, from: {workload: model-api}, to: {workload: job-runner}, ports: [http]}\n');
    const dir = tempRepo({ 'platform.yaml': platform });
    const c = await clusterFor(dir, 'prod');
    const ix = indexCluster(c);
    assert.equal(evaluate(ix, { from: c.pod('model-api-v1'), to: c.pod('job-runner'), port: 9000 }).allowed, true);
    assert.equal(evaluate(ix, { from: c.pod('model-api-v1'), to: c.pod('job-runner'), port: 8080 }).allowed, false);
    assert.equal(evaluate(ix, { from: c.pod('job-runner'), to: c.pod('model-api-v1'), port: 8080, method: 'POST', path: '/v1/predict' }).allowed, true);
  });
});

describe('dev and staging baselines, evaluated', () => {
  it('dev allows undeclared traffic: nothing blocks, L7 is dry-run only', async () => {
    const c = await clusterFor(PRACTICUS, 'dev');
    const v = evaluate(c, { from: c.pod('dashboards'), to: c.pod('feature-db'), port: 5432 });
    assert.equal(v.allowed, true);
    assert.ok(v.reasons.some((r) => r.effect === 'dry-run-deny'), 'the would-be denial shows');
  });

  it('staging denies undeclared ingress but not egress', async () => {
    const c = await clusterFor(PRACTICUS, 'staging');
    const ix = indexCluster(c);
    assert.equal(evaluate(ix, { from: c.pod('dashboards'), to: c.pod('feature-db'), port: 5432 }).l4.allowed, false);
    assert.equal(evaluate(ix, { from: c.pod('dashboards'), to: { ip: '198.51.100.1' }, port: 443 }).allowed, true);
    assert.equal(evaluate(ix, { from: c.pod('model-api-v1'), to: c.pod('feature-db'), port: 5432 }).allowed, true);
    // No egress policies here, so only the ingress peer (namespace AND pod selector) keeps the
    // stranger in job-runner's namespace out.
    assert.equal(evaluate(ix, { from: c.pod('notebook'), to: c.pod('model-api-v1'), port: 8080 }).l4.allowed, false);
    assert.equal(evaluate(ix, { from: c.pod('job-runner'), to: c.pod('model-api-v1'), port: 8080 }).l4.allowed, true);
  });
});
