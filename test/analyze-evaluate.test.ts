// The combined verdict: L3/L4 x mTLS x L7, PeerAuthentication precedence,
// when mesh checks apply at all, and the index used for bulk evaluation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluate, indexCluster } from '../plugin/analyze/evaluate.ts';
import { effectiveMtls } from '../plugin/analyze/peer-authentication.ts';
import type { Cluster, Connection, KubeObject, Pod, Protocol } from '../plugin/analyze/model.ts';

const NAMESPACES = [{ name: 'ml-platform', labels: {} }, { name: 'data-prep', labels: {} }, { name: 'istio-system', labels: {} }];
const trainer: Pod = { namespace: 'ml-platform', name: 'trainer', labels: { app: 'trainer' }, serviceAccount: 'trainer', inMesh: true, ip: '10.1.0.5', ports: [{ name: 'grpc', port: 9090 }, { name: 'metrics', port: 15090 }] };
const serving: Pod = { namespace: 'ml-platform', name: 'serving', labels: { app: 'serving' }, serviceAccount: 'serving', inMesh: true };
const loader: Pod = { namespace: 'data-prep', name: 'loader', labels: { app: 'loader' }, serviceAccount: 'loader', inMesh: true, ip: '10.2.0.7' };
const batch: Pod = { namespace: 'data-prep', name: 'batch', labels: { app: 'batch' }, inMesh: false, ip: '10.2.0.8' };

const obj = (apiVersion: string, kind: string, namespace: string, name: string, spec: unknown, creationTimestamp?: string): KubeObject =>
  ({ apiVersion, kind, metadata: { name, namespace, ...(creationTimestamp ? { creationTimestamp } : {}) }, spec });
const np = (ns: string, name: string, spec: unknown) => obj('networking.k8s.io/v1', 'NetworkPolicy', ns, name, spec);
const pa = (ns: string, name: string, spec: unknown, created?: string) => obj('security.istio.io/v1', 'PeerAuthentication', ns, name, spec, created);
const ap = (ns: string, name: string, spec: unknown) => obj('security.istio.io/v1beta1', 'AuthorizationPolicy', ns, name, spec);
const cluster = (...objects: KubeObject[]): Cluster => ({ namespaces: NAMESPACES, pods: [trainer, serving, loader, batch], objects });
const conn = (from: Pod | string, to: Pod | string, port: number, protocol?: Protocol): Connection =>
  ({ from: typeof from === 'string' ? { ip: from } : { pod: from }, to: typeof to === 'string' ? { ip: to } : { pod: to }, port, protocol });

describe('layers combine with AND and each reports its own decision', () => {
  // GIVEN a default-deny NetworkPolicy on ml-platform and an Istio ALLOW for loader
  const c = cluster(
    np('ml-platform', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    ap('ml-platform', 'trainer-from-loader', { selector: { matchLabels: { app: 'trainer' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/data-prep/sa/loader'] } }] }] }),
  );
  it('L4 isolation denies even though L7 allows, with the exact isolate reason', () => {
    const v = evaluate(c, conn(loader, trainer, 9090));
    assert.deepEqual([v.allowed, v.l4.allowed, v.mtls.allowed, v.l7.allowed, v.l7.evaluated], [false, false, true, true, true]);
    assert.deepEqual(v.reasons.find((r) => r.effect === 'isolate'), {
      layer: 'L3/L4', policy: 'NetworkPolicy ml-platform/default-deny', effect: 'isolate',
      text: 'ml-platform/trainer is isolated for ingress; no ingress rule admits data-prep/loader on TCP 9090',
    });
    assert.ok(v.reasons.some((r) => r.layer === 'L7' && r.effect === 'allow' && r.policy === 'AuthorizationPolicy ml-platform/trainer-from-loader' && r.rule === 0));
  });
  it('L7 denial alone also denies', () => {
    const open = cluster(ap('ml-platform', 'trainer-from-loader', { selector: { matchLabels: { app: 'trainer' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/data-prep/sa/loader'] } }] }] }));
    const v = evaluate(open, conn(serving, trainer, 9090));
    assert.deepEqual([v.allowed, v.l4.allowed, v.mtls.allowed, v.l7.allowed], [false, true, true, false]);
  });
});

describe('STRICT mTLS with a port-level PERMISSIVE exception', () => {
  // GIVEN mesh-wide STRICT and, on trainer, port 15090 PERMISSIVE
  const c = cluster(
    pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }),
    pa('ml-platform', 'trainer-metrics', { selector: { matchLabels: { app: 'trainer' } }, portLevelMtls: { 15090: { mode: 'PERMISSIVE' } } }),
  );
  const cases: Array<[string, Connection, boolean, string]> = [
    ['ip peer -> trainer:9090', conn('198.51.100.9', trainer, 9090), false, 'STRICT'],
    ['ip peer -> trainer:15090 (port-level PERMISSIVE)', conn('198.51.100.9', trainer, 15090), true, 'PERMISSIVE'],
    ['ip peer -> serving:15090 (exception is trainer-only)', conn('198.51.100.9', serving, 15090), false, 'STRICT'],
    ['non-mesh pod -> trainer:9090', conn(batch, trainer, 9090), false, 'STRICT'],
    ['mesh pod -> trainer:9090 (auto mTLS)', conn(loader, trainer, 9090), true, 'STRICT'],
  ];
  for (const [name, cn, allowed, mode] of cases) {
    it(`${name} -> ${allowed ? 'allowed' : 'rejected'} (${mode})`, () => {
      // WHEN evaluated  THEN the mTLS layer alone decides and reports the effective mode
      const v = evaluate(c, cn);
      assert.equal(v.mtls.mode, mode);
      assert.equal(v.mtls.allowed, allowed);
      assert.equal(v.allowed, allowed);
    });
  }
  it('the rejection names the policy that set STRICT', () => {
    const v = evaluate(c, conn('198.51.100.9', trainer, 9090));
    const deny = v.reasons.find((r) => r.layer === 'mTLS' && r.effect === 'deny');
    assert.equal(deny?.policy, 'PeerAuthentication istio-system/default');
  });
});

describe('PeerAuthentication precedence and inheritance', () => {
  const cases: Array<{ name: string; objects: KubeObject[]; port?: number; mode: string; policy: string }> = [
    { name: 'nothing -> PERMISSIVE default', objects: [], mode: 'PERMISSIVE', policy: '(default)' },
    { name: 'mesh-wide', objects: [pa('istio-system', 'mesh', { mtls: { mode: 'STRICT' } })], mode: 'STRICT', policy: 'PeerAuthentication istio-system/mesh' },
    { name: 'namespace overrides mesh', objects: [pa('istio-system', 'mesh', { mtls: { mode: 'STRICT' } }), pa('ml-platform', 'ns', { mtls: { mode: 'PERMISSIVE' } })], mode: 'PERMISSIVE', policy: 'PeerAuthentication ml-platform/ns' },
    { name: 'workload overrides namespace', objects: [pa('ml-platform', 'ns', { mtls: { mode: 'PERMISSIVE' } }), pa('ml-platform', 'wl', { selector: { matchLabels: { app: 'trainer' } }, mtls: { mode: 'DISABLE' } })], mode: 'DISABLE', policy: 'PeerAuthentication ml-platform/wl' },
    { name: 'UNSET namespace inherits mesh', objects: [pa('istio-system', 'mesh', { mtls: { mode: 'STRICT' } }), pa('ml-platform', 'ns', { mtls: { mode: 'UNSET' } })], mode: 'STRICT', policy: 'PeerAuthentication istio-system/mesh' },
    { name: 'port-level UNSET inherits the workload result', objects: [pa('ml-platform', 'ns', { mtls: { mode: 'STRICT' } }), pa('ml-platform', 'wl', { selector: { matchLabels: { app: 'trainer' } }, portLevelMtls: { 9090: { mode: 'UNSET' } } })], port: 9090, mode: 'STRICT', policy: 'PeerAuthentication ml-platform/wl' },
    { name: 'portLevelMtls on a namespace-wide policy is ignored', objects: [pa('ml-platform', 'ns', { mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'DISABLE' } } })], port: 9090, mode: 'STRICT', policy: 'PeerAuthentication ml-platform/ns' },
    { name: 'selector that does not match trainer', objects: [pa('ml-platform', 'wl', { selector: { matchLabels: { app: 'serving' } }, mtls: { mode: 'STRICT' } })], mode: 'PERMISSIVE', policy: '(default)' },
    { name: 'empty matchLabels is namespace-wide', objects: [pa('ml-platform', 'ns', { selector: { matchLabels: {} }, mtls: { mode: 'STRICT' } })], mode: 'STRICT', policy: 'PeerAuthentication ml-platform/ns' },
    { name: 'selector policy in root namespace is not mesh-wide', objects: [pa('istio-system', 'sel', { selector: { matchLabels: { app: 'trainer' } }, mtls: { mode: 'STRICT' } })], mode: 'PERMISSIVE', policy: '(default)' },
    { name: 'oldest namespace policy wins', objects: [pa('ml-platform', 'a-new', { mtls: { mode: 'DISABLE' } }, '2024-05-01T00:00:00Z'), pa('ml-platform', 'z-old', { mtls: { mode: 'STRICT' } }, '2023-01-01T00:00:00Z')], mode: 'STRICT', policy: 'PeerAuthentication ml-platform/z-old' },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      // GIVEN the PeerAuthentications  WHEN the trainer port's mode is resolved  THEN mode and deciding policy match Istio's composition
      const eff = effectiveMtls(indexCluster(cluster(...tc.objects)).peerAuthentications, trainer, tc.port ?? 9090);
      assert.deepEqual([eff.mode, eff.policy], [tc.mode, tc.policy]);
    });
  }
});

describe('where mesh checks apply', () => {
  // GIVEN STRICT everywhere and a deny-all AuthorizationPolicy in every namespace
  const c = cluster(pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }), ap('istio-system', 'deny-all', { action: 'DENY', rules: [{}] }));
  const cases: Array<[string, Connection, boolean, boolean, string]> = [
    ['destination without sidecar', conn('198.51.100.9', batch, 80), true, false, 'none'],
    ['destination outside the cluster', conn(trainer, '8.8.8.8', 443), true, false, 'none'],
    ['UDP to a mesh pod (not intercepted)', conn('198.51.100.9', trainer, 9090, 'UDP'), true, false, 'none'],
    ['TCP to a mesh pod', conn(loader, trainer, 9090), false, true, 'STRICT'],
  ];
  for (const [name, cn, allowed, evaluated, mode] of cases) {
    it(`${name}: evaluated=${evaluated}`, () => {
      const v = evaluate(c, cn);
      assert.deepEqual([v.allowed, v.l7.evaluated, v.mtls.mode], [allowed, evaluated, mode]);
    });
  }
});

describe('ip peers are checked only on the pod side', () => {
  it('egress to a CIDR checks only the source egress rules', () => {
    // GIVEN trainer may egress only to 10.0.0.0/8 on 443
    const c = cluster(np('ml-platform', 'egress', { podSelector: { matchLabels: { app: 'trainer' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }] }));
    assert.equal(evaluate(c, conn(trainer, '10.9.9.9', 443)).allowed, true);
    assert.equal(evaluate(c, conn(trainer, '10.9.9.9', 80)).allowed, false);
    assert.equal(evaluate(c, conn(trainer, '11.0.0.1', 443)).allowed, false);
  });
});

describe('indexCluster', () => {
  const objects = [
    np('ml-platform', 'default-deny', { podSelector: {} }),
    np('ml-platform', 'from-data', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data-prep' } } }], ports: [{ port: 'grpc' }] }] }),
    pa('ml-platform', 'strict', { mtls: { mode: 'STRICT' } }),
    ap('ml-platform', 'allow-loader', { rules: [{ from: [{ source: { namespaces: ['data-prep'] } }] }] }),
  ];
  const c = cluster(...objects);
  const peers: Array<Pod | string> = [trainer, serving, loader, batch, '198.51.100.9'];

  it('gives the same verdict as evaluating the raw cluster (property)', () => {
    // GIVEN any pair of peers, port and protocol  THEN the indexed and the one-shot evaluation agree
    const idx = indexCluster(c);
    fc.assert(fc.property(
      fc.constantFrom(...peers), fc.constantFrom(...peers), fc.constantFrom(80, 9090, 15090), fc.constantFrom<Protocol>('TCP', 'UDP'),
      (from, to, port, protocol) => {
        if (typeof to === 'string' && typeof from === 'string') return true;
        const cn = conn(from, to, port, protocol);
        assert.deepEqual(evaluate(idx, cn), evaluate(c, cn));
        return true;
      }));
  });
  it('scales to many queries on one index', () => {
    // GIVEN 200 namespaces x 5 pods and 3 policies per namespace
    const namespaces = Array.from({ length: 200 }, (_, i) => ({ name: `ns${i}`, labels: { idx: String(i) } }));
    const pods: Pod[] = namespaces.flatMap((n) => Array.from({ length: 5 }, (_, j) => ({ namespace: n.name, name: `p${j}`, labels: { app: `a${j}` }, inMesh: true, serviceAccount: `a${j}` })));
    const big: Cluster = {
      namespaces, pods, objects: namespaces.flatMap((n) => [
        np(n.name, 'deny', { podSelector: {} }),
        np(n.name, 'allow', { podSelector: { matchLabels: { app: 'a0' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { idx: '1' } } }] }] }),
        ap(n.name, 'allow', { rules: [{ from: [{ source: { namespaces: ['ns1'] } }] }] }),
      ]),
    };
    const idx = indexCluster(big);
    // WHEN 20 000 connections are evaluated
    const t0 = performance.now();
    let allowed = 0;
    for (let i = 0; i < 20_000; i++) {
      const from = pods[(i * 7) % pods.length]!;
      const to = pods[(i * 13) % pods.length]!;
      if (evaluate(idx, conn(from, to, 8080)).allowed) allowed++;
    }
    const ms = performance.now() - t0;
    // THEN it stays well within interactive budgets and still decides (only ns1 -> a0 pods pass)
    assert.ok(allowed > 0 && allowed < 20_000, `allowed=${allowed}`);
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  });
});
