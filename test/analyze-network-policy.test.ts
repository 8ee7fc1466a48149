// L3/L4 semantics of the connection evaluator: NetworkPolicy isolation, peers,
// ports, ipBlock CIDR math and label selectors. Pods here are outside the mesh
// so only NetworkPolicy decides.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluate } from '../plugin/analyze/evaluate.ts';
import { isIP } from 'node:net';
import { addressFamily, containsIp, parseCidr, parseIp } from '../plugin/analyze/cidr.ts';
import { matchesSelector, type LabelSelector } from '../plugin/analyze/label-selector.ts';
import type { Cluster, Connection, KubeObject, NamespaceInfo, Pod, Protocol } from '../plugin/analyze/model.ts';

const NAMESPACES: NamespaceInfo[] = [
  { name: 'ml', labels: { team: 'ml' } },
  { name: 'data', labels: { team: 'data', env: 'prod' } },
  { name: 'web', labels: { team: 'web', env: 'prod' } },
];
const pod = (namespace: string, name: string, labels: Record<string, string>, extra: Partial<Pod> = {}): Pod =>
  ({ namespace, name, labels, inMesh: false, ...extra });
const trainer = pod('ml', 'trainer', { app: 'trainer' }, { ip: '10.0.1.10', ports: [{ name: 'metrics', port: 9090 }] });
const notebook = pod('ml', 'notebook', { app: 'notebook' });
const mlLoader = pod('ml', 'loader', { app: 'loader' });
const dataLoader = pod('data', 'loader', { app: 'loader' }, { ip: '10.0.2.20' });
const dataOther = pod('data', 'other', { app: 'other' });
const webLoader = pod('web', 'loader', { app: 'loader' });

const np = (namespace: string, name: string, spec: unknown): KubeObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const cluster = (...objects: KubeObject[]): Cluster => ({ namespaces: NAMESPACES, pods: [], objects });
const conn = (from: Pod | string, to: Pod | string, port: number, protocol?: Protocol): Connection => ({
  from: typeof from === 'string' ? { ip: from } : { pod: from },
  to: typeof to === 'string' ? { ip: to } : { pod: to },
  port,
  protocol,
});

interface Case { name: string; conn: Connection; allowed: boolean }
/** Runs each case of a table against the same cluster and checks the L3/L4 verdict. */
function table(title: string, c: Cluster, cases: Case[]) {
  describe(title, () => {
    for (const tc of cases) {
      it(`${tc.name} -> ${tc.allowed ? 'allowed' : 'denied'}`, () => {
        // WHEN the connection is evaluated  THEN L3/L4 (and, with no mesh, the whole verdict) matches the expectation
        const v = evaluate(c, tc.conn);
        assert.equal(v.l4.allowed, tc.allowed);
        assert.equal(v.allowed, tc.allowed);
      });
    }
  });
}

// GIVEN no NetworkPolicy at all
table('no policies: nothing is isolated', cluster(), [
  { name: 'cross-namespace pod to pod', conn: conn(dataLoader, trainer, 9090), allowed: true },
  { name: 'external ip to pod', conn: conn('203.0.113.9', trainer, 22), allowed: true },
]);

// GIVEN a default-deny ingress policy with an empty podSelector in ml
table('empty podSelector selects every pod of its namespace only', cluster(
  np('ml', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
), [
  { name: 'into ml/trainer', conn: conn(dataLoader, trainer, 9090), allowed: false },
  { name: 'into ml/notebook', conn: conn(dataLoader, notebook, 8888), allowed: false },
  { name: 'into data/loader (other namespace, not selected)', conn: conn(trainer, dataLoader, 80), allowed: true },
]);

// GIVEN ingress peers { podSelector: {} } (all pods of the policy's own namespace)
table('peer podSelector {} without namespaceSelector = own namespace', cluster(
  np('ml', 'same-ns', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [{ from: [{ podSelector: {} }] }] }),
), [
  { name: 'ml/notebook -> ml/trainer', conn: conn(notebook, trainer, 9090), allowed: true },
  { name: 'data/loader -> ml/trainer', conn: conn(dataLoader, trainer, 9090), allowed: false },
]);

// GIVEN namespaceSelector and podSelector in ONE peer element (AND)
table('namespaceSelector + podSelector in one element = AND', cluster(
  np('ml', 'and', {
    podSelector: { matchLabels: { app: 'trainer' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'data' } }, podSelector: { matchLabels: { app: 'loader' } } }] }],
  }),
), [
  { name: 'data/loader (both match)', conn: conn(dataLoader, trainer, 9090), allowed: true },
  { name: 'data/other (namespace only)', conn: conn(dataOther, trainer, 9090), allowed: false },
  { name: 'web/loader (labels only)', conn: conn(webLoader, trainer, 9090), allowed: false },
  { name: 'ml/loader (labels only, own namespace)', conn: conn(mlLoader, trainer, 9090), allowed: false },
]);

// GIVEN the same selectors as TWO peer elements (OR)
table('namespaceSelector and podSelector as two elements = OR', cluster(
  np('ml', 'or', {
    podSelector: { matchLabels: { app: 'trainer' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'data' } } }, { podSelector: { matchLabels: { app: 'loader' } } }] }],
  }),
), [
  { name: 'data/other (namespace element)', conn: conn(dataOther, trainer, 9090), allowed: true },
  { name: 'ml/loader (pod element, own namespace)', conn: conn(mlLoader, trainer, 9090), allowed: true },
  { name: 'web/loader (pod element does not reach other namespaces)', conn: conn(webLoader, trainer, 9090), allowed: false },
]);

// GIVEN a namespaceSelector on the implied kubernetes.io/metadata.name label (not listed in NamespaceInfo.labels)
table('kubernetes.io/metadata.name is implied on namespaces', cluster(
  np('ml', 'by-name', {
    podSelector: {},
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }] }],
  }),
), [
  { name: 'web/loader', conn: conn(webLoader, trainer, 9090), allowed: true },
  { name: 'data/loader', conn: conn(dataLoader, trainer, 9090), allowed: false },
]);

// GIVEN policyTypes omitted and no egress section: only ingress is isolated
table('policyTypes omitted without egress: Ingress only', cluster(
  np('ml', 'implicit', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [] }),
), [
  { name: 'ingress into trainer is isolated', conn: conn(notebook, trainer, 9090), allowed: false },
  { name: 'egress from trainer stays open', conn: conn(trainer, '8.8.8.8', 443), allowed: true },
]);

// GIVEN policyTypes omitted with `egress: []` (empty list): defaulting only adds Egress when rules exist
table('policyTypes omitted with an empty egress list: still Ingress only', cluster(
  np('ml', 'empty-egress', { podSelector: { matchLabels: { app: 'trainer' } }, egress: [] }),
), [
  { name: 'egress from trainer stays open', conn: conn(trainer, '8.8.8.8', 443), allowed: true },
  { name: 'ingress into trainer is isolated', conn: conn(notebook, trainer, 9090), allowed: false },
]);

// GIVEN policyTypes omitted with egress rules: Egress is isolated as well
table('policyTypes omitted with egress rules: Ingress and Egress', cluster(
  np('ml', 'implicit-egress', { podSelector: { matchLabels: { app: 'trainer' } }, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
), [
  { name: 'egress to 10.1.2.3 (in ipBlock)', conn: conn(trainer, '10.1.2.3', 443), allowed: true },
  { name: 'egress to 8.8.8.8 (outside)', conn: conn(trainer, '8.8.8.8', 443), allowed: false },
  { name: 'ingress is isolated too (no ingress rules)', conn: conn(notebook, trainer, 9090), allowed: false },
]);

// GIVEN an Egress-only default deny on trainer
table('Egress-only isolation', cluster(
  np('ml', 'no-egress', { podSelector: { matchLabels: { app: 'trainer' } }, policyTypes: ['Egress'] }),
), [
  { name: 'trainer -> data/loader', conn: conn(trainer, dataLoader, 80), allowed: false },
  { name: 'trainer -> external ip', conn: conn(trainer, '8.8.8.8', 53, 'UDP'), allowed: false },
  { name: 'data/loader -> trainer (ingress not isolated)', conn: conn(dataLoader, trainer, 9090), allowed: true },
]);

// GIVEN source egress allows but destination ingress does not (and the reverse)
table('a pod-to-pod connection needs egress at the source AND ingress at the destination', cluster(
  np('ml', 'trainer-egress-open', { podSelector: { matchLabels: { app: 'trainer' } }, policyTypes: ['Egress'], egress: [{}] }),
  np('data', 'loader-ingress-closed', { podSelector: { matchLabels: { app: 'loader' } }, policyTypes: ['Ingress'] }),
  np('data', 'other-egress-closed', { podSelector: { matchLabels: { app: 'other' } }, policyTypes: ['Egress'] }),
), [
  { name: 'egress ok, ingress isolated', conn: conn(trainer, dataLoader, 80), allowed: false },
  { name: 'egress isolated, ingress open', conn: conn(dataOther, trainer, 9090), allowed: false },
  { name: 'egress ok, ingress open', conn: conn(trainer, notebook, 8888), allowed: true },
]);

// GIVEN two pods that both name a port "metrics" but at different numbers
const podA = pod('ml', 'a', { app: 'a' }, { ports: [{ name: 'metrics', port: 9090 }] });
const podB = pod('ml', 'b', { app: 'b' }, { ports: [{ name: 'metrics', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }] });
const client = pod('ml', 'client', { role: 'client' });
table('named ports resolve on the destination pod, for ingress and egress', cluster(
  np('ml', 'metrics-in', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, ingress: [{ ports: [{ port: 'metrics' }, { port: 'dns', protocol: 'UDP' }, { port: 'dns' /* TCP: b's dns is UDP, so this resolves to nothing */ }] }] }),
  np('ml', 'client-out', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'metrics' }] }] }),
), [
  { name: 'a:9090 (a.metrics)', conn: conn(notebook, podA, 9090), allowed: true },
  { name: 'a:8080 (b.metrics, not a\'s)', conn: conn(notebook, podA, 8080), allowed: false },
  { name: 'b:8080 (b.metrics)', conn: conn(notebook, podB, 8080), allowed: true },
  { name: 'b:9090', conn: conn(notebook, podB, 9090), allowed: false },
  { name: 'b:5353/UDP named UDP port', conn: conn(notebook, podB, 5353, 'UDP'), allowed: true },
  { name: 'b:5353/TCP named port protocol differs', conn: conn(notebook, podB, 5353, 'TCP'), allowed: false },
  { name: 'egress client -> a:9090', conn: conn(client, podA, 9090), allowed: true },
  { name: 'egress client -> b:9090 (name resolved on b = 8080)', conn: conn(client, podB, 9090), allowed: false },
  { name: 'egress client -> b:8080', conn: conn(client, podB, 8080), allowed: true },
  { name: 'egress client -> external ip (name cannot resolve)', conn: conn(client, '8.8.8.8', 9090), allowed: false },
]);

// GIVEN a port range with endPort
table('endPort makes an inclusive range', cluster(
  np('ml', 'range', { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] }),
), [
  { name: '31999', conn: conn(dataLoader, trainer, 31999), allowed: false },
  { name: '32000', conn: conn(dataLoader, trainer, 32000), allowed: true },
  { name: '32768', conn: conn(dataLoader, trainer, 32768), allowed: true },
  { name: '32769', conn: conn(dataLoader, trainer, 32769), allowed: false },
]);

// GIVEN ipBlocks with except, IPv4 and IPv6
table('ipBlock cidr minus except', cluster(
  np('ml', 'ipblock', {
    podSelector: {},
    ingress: [{ from: [
      { ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } },
      { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:bad::/48'] } },
      { ipBlock: { cidr: '10.0.2.0/24' } },
    ] }],
  }),
), [
  { name: '203.0.113.5', conn: conn('203.0.113.5', trainer, 443), allowed: true },
  { name: '203.0.113.200 (excepted)', conn: conn('203.0.113.200', trainer, 443), allowed: false },
  { name: '198.51.100.1 (outside)', conn: conn('198.51.100.1', trainer, 443), allowed: false },
  { name: '2001:db8:1::7', conn: conn('2001:db8:1::7', trainer, 443), allowed: true },
  { name: '2001:db8:bad::7 (excepted)', conn: conn('2001:db8:bad::7', trainer, 443), allowed: false },
  { name: 'pod whose ip is in a block', conn: conn(dataLoader, trainer, 443), allowed: true },
  { name: 'pod without a known ip', conn: conn(dataOther, trainer, 443), allowed: false },
]);

// GIVEN a rule for UDP 53 and a rule for port 5432 without protocol (TCP by default)
table('protocol: UDP vs TCP, default TCP', cluster(
  np('ml', 'proto', { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP', port: 53 }, { port: 5432 }] }] }),
), [
  { name: 'UDP 53', conn: conn(dataLoader, trainer, 53, 'UDP'), allowed: true },
  { name: 'TCP 53', conn: conn(dataLoader, trainer, 53, 'TCP'), allowed: false },
  { name: 'TCP 5432 (default protocol)', conn: conn(dataLoader, trainer, 5432), allowed: true },
  { name: 'UDP 5432', conn: conn(dataLoader, trainer, 5432, 'UDP'), allowed: false },
]);

// GIVEN two policies selecting trainer, each admitting a different source
table('policies are additive (union of rules)', cluster(
  np('ml', 'from-data', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'data' } } }] }] }),
  np('ml', 'from-web', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'web' } } }] }] }),
  np('ml', 'allow-all-notebook', { podSelector: { matchLabels: { app: 'notebook' } }, ingress: [{}] }),
), [
  { name: 'data -> trainer', conn: conn(dataLoader, trainer, 1), allowed: true },
  { name: 'web -> trainer', conn: conn(webLoader, trainer, 1), allowed: true },
  { name: 'ml -> trainer', conn: conn(notebook, trainer, 1), allowed: false },
  { name: 'ingress: [{}] admits anything', conn: conn('192.0.2.1', notebook, 1, 'SCTP'), allowed: true },
]);

describe('reasons name the deciding policy and rule', () => {
  it('isolation names every isolating policy; allow names the rule index', () => {
    // GIVEN a default-deny and an allow rule at index 1
    const c = cluster(
      np('ml', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      np('ml', 'allow-data', { podSelector: { matchLabels: { app: 'trainer' } }, ingress: [{ ports: [{ port: 1 }] }, { from: [{ namespaceSelector: { matchLabels: { team: 'data' } } }], ports: [{ port: 9090 }] }] }),
    );
    // WHEN a denied and an allowed connection are evaluated
    const denied = evaluate(c, conn(webLoader, trainer, 9090));
    const allowed = evaluate(c, conn(dataLoader, trainer, 9090));
    // THEN the denial lists both isolating policies with the exact text, the allow points at ingress[1]
    assert.deepEqual(denied.reasons.filter((r) => r.effect === 'isolate').map((r) => r.policy).sort(),
      ['NetworkPolicy ml/allow-data', 'NetworkPolicy ml/default-deny']);
    assert.ok(denied.reasons.some((r) => r.text === 'ml/trainer is isolated for ingress; no ingress rule admits web/loader on TCP 9090'));
    const allow = allowed.reasons.filter((r) => r.effect === 'allow');
    assert.deepEqual(allow.map((r) => [r.layer, r.policy, r.rule]), [['L3/L4', 'NetworkPolicy ml/allow-data', 1]]);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: Array<[string, LabelSelector, boolean]> = [
    ['{} selects all', {}, true],
    ['matchLabels hit', { matchLabels: { app: 'web' } }, true],
    ['matchLabels miss', { matchLabels: { app: 'db' } }, false],
    ['In hit', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    ['In on missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    ['NotIn on missing key matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['Exists missing', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['labels AND expressions', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
    ['unknown operator matches nothing', { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, false],
  ];
  for (const [name, sel, want] of cases) {
    // GIVEN labels {app: web, tier: front}  WHEN matched  THEN the selector result is as the Kubernetes API defines
    it(name, () => assert.equal(matchesSelector(sel, labels), want));
  }
});

describe('cidr', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1.2.3/8', '10.9.9.9', true], // host bits are masked off
    ['0.0.0.0/0', '8.8.8.8', true],
    ['192.168.1.1', '192.168.1.1', true], // bare address = /32
    ['192.168.1.1', '192.168.1.2', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '::1', true],
    ['::ffff:0:0/96', '::ffff:10.0.0.1', true],
    ['fe80::/10', 'FE80::1', true],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false], // families never mix
    ['10.0.0.0/33', '10.0.0.1', false], // invalid prefix
    ['10.0.0.0/8', '010.0.0.1', false], // leading zeros refused like Go
  ];
  for (const [cidr, ip, want] of cases) {
    // GIVEN a CIDR and an address  WHEN checked  THEN containment follows prefix arithmetic
    it(`${cidr} ∋ ${ip} = ${want}`, () => assert.equal(containsIp(cidr, ip), want));
  }
  it('rejects malformed input', () => {
    for (const bad of ['1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'x/8', '10.0.0.0/8/1']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
    // "::" must stand for at least one zero group
    assert.equal(parseIp('1:2:3:4::5:6:7:8'), undefined);
    assert.notEqual(parseIp('1:2:3:4:5:6:7::'), undefined);
  });
  it('IPv4 containment agrees with integer arithmetic (property)', () => {
    // GIVEN random addresses and prefixes  THEN containsIp equals "top <prefix> bits are equal"
    const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
    fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }), (net, ip, prefix) => {
      const shift = 32 - prefix;
      const same = prefix === 0 || Math.floor(net / 2 ** shift) === Math.floor(ip / 2 ** shift);
      return containsIp(`${toIp(net)}/${prefix}`, toIp(ip)) === same;
    }));
  });
});

// The platform schema's CIDR check (plugin/schema/platform.ts) reads addresses with addressFamily.
describe('addressFamily', () => {
  it("agrees with Node's net.isIP but for IPv6 zone indexes, which Kubernetes refuses (fast-check)", () => {
    const dec = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^0[0-9]{1,3}$/), fc.constant(''));
    const v4 = fc.array(dec, { minLength: 1, maxLength: 5 }).map((p) => p.join('.'));
    const v6 = fc
      .tuple(fc.array(fc.stringMatching(/^[0-9a-fA-F]{0,5}$/), { minLength: 1, maxLength: 9 }), fc.nat(10), fc.boolean(), fc.option(v4))
      .map(([groups, at, gap, tail]) => {
        const parts = [...groups];
        if (gap) parts.splice(at % (parts.length + 1), 0, '');
        return parts.join(':') + (tail === null ? '' : `:${tail}`);
      });
    const text = fc.oneof(v4, v6, fc.string({ maxLength: 12 }), fc.stringMatching(/^[0-9a-f:.% ]{0,16}$/));
    fc.assert(
      fc.property(text, (t) => {
        assert.equal(addressFamily(t), t.includes('%') ? 0 : isIP(t), JSON.stringify(t));
      }),
      { numRuns: 20000 },
    );
    assert.equal(isIP('fe80::1%eth0'), 6);
    assert.equal(addressFamily('fe80::1%eth0'), 0);
    assert.equal(addressFamily(' 10.0.0.1'), 0);
    assert.equal(addressFamily('::ffff:10.0.0.1'), 6);
  });
});
