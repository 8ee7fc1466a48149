// L7 semantics of the connection evaluator: Istio AuthorizationPolicy scope,
// action order, rule matching, dry-run, and the mTLS dependency of identities.
// No NetworkPolicy and no PeerAuthentication (PERMISSIVE) unless stated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../plugin/analyze/evaluate.ts';
import type { Cluster, Connection, KubeObject, Pod, Verdict } from '../plugin/analyze/model.ts';

const NAMESPACES = [{ name: 'shop', labels: {} }, { name: 'data', labels: {} }, { name: 'istio-system', labels: {} }];
const mesh = (namespace: string, name: string, labels: Record<string, string>, sa?: string, ip?: string): Pod =>
  ({ namespace, name, labels, serviceAccount: sa, inMesh: true, ip });
const api = mesh('shop', 'api', { app: 'api' }, 'api', '10.0.0.10');
const web = mesh('shop', 'web', { app: 'web' }, 'web', '10.0.0.11');
const worker = mesh('shop', 'worker', { app: 'worker' }, undefined, '10.0.0.12'); // default ServiceAccount
const etl = mesh('data', 'etl', { app: 'etl' }, 'etl', '10.0.1.5');
const db = mesh('data', 'db', { app: 'db' }, 'db', '10.0.1.6');
const legacy: Pod = { namespace: 'shop', name: 'legacy', labels: { app: 'legacy' }, serviceAccount: 'legacy', inMesh: false, ip: '10.0.0.99' };

const ap = (namespace: string, name: string, spec: unknown, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, annotations }, spec });
const pa = (namespace: string, name: string, spec: unknown): KubeObject =>
  ({ apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const cluster = (...objects: KubeObject[]): Cluster => ({ namespaces: NAMESPACES, pods: [], objects });
const conn = (from: Pod | string, to: Pod, port: number, http?: { method?: string; path?: string }): Connection =>
  ({ from: typeof from === 'string' ? { ip: from } : { pod: from }, to: { pod: to }, port, ...http });

interface Case { name: string; conn: Connection; allowed: boolean }
function table(title: string, c: Cluster, cases: Case[]) {
  describe(title, () => {
    for (const tc of cases) {
      it(`${tc.name} -> ${tc.allowed ? 'allowed' : 'denied'}`, () => {
        // WHEN evaluated  THEN the L7 layer ran and decided as expected
        const v = evaluate(c, tc.conn);
        assert.equal(v.l7.evaluated, true);
        assert.equal(v.l7.allowed, tc.allowed);
        assert.equal(v.allowed, tc.allowed);
      });
    }
  });
}
const effects = (v: Verdict, effect: string) => v.reasons.filter((r) => r.layer === 'L7' && r.effect === effect);

// GIVEN no AuthorizationPolicy
table('no policy: allowed by default', cluster(), [
  { name: 'mesh pod', conn: conn(web, api, 8080), allowed: true },
  { name: 'plaintext ip', conn: conn('203.0.113.1', api, 8080), allowed: true },
]);

// GIVEN an ALLOW policy on api for the web principal
table('ALLOW by principal; other sources fall to default deny', cluster(
  ap('shop', 'api-allow-web', { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }] }),
), [
  { name: 'web -> api', conn: conn(web, api, 8080), allowed: true },
  { name: 'etl -> api', conn: conn(etl, api, 8080), allowed: false },
  { name: 'etl -> web (selector does not match web)', conn: conn(etl, web, 8080), allowed: true },
]);

// GIVEN allow-nothing policies in the two documented spellings
for (const [label, spec] of [['spec: {}', {}], ['spec: {action: ALLOW}', { action: 'ALLOW' }]] as const) {
  table(`allow-nothing (${label}) denies everything in the namespace`, cluster(ap('shop', 'allow-nothing', spec)), [
    { name: 'web -> api', conn: conn(web, api, 8080), allowed: false },
    { name: 'web -> worker', conn: conn(web, worker, 8080), allowed: false },
    { name: 'shop/web -> data/db (other namespace)', conn: conn(web, db, 5432), allowed: true },
  ]);
}

// GIVEN allow-nothing plus an ALLOW for one port
table('allow-nothing + a narrower ALLOW: union of ALLOW policies', cluster(
  ap('shop', 'allow-nothing', {}),
  ap('shop', 'allow-8080', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] }),
), [
  { name: 'web -> api:8080', conn: conn(web, api, 8080), allowed: true },
  { name: 'web -> api:9090', conn: conn(web, api, 9090), allowed: false },
]);

// GIVEN an allow-all ALLOW and a DENY for the etl namespace
table('DENY is evaluated before ALLOW', cluster(
  ap('shop', 'allow-all', { action: 'ALLOW', rules: [{}] }),
  ap('shop', 'deny-data', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['data'] } }] }] }),
  ap('shop', 'deny-empty', { action: 'DENY' }), // no rules: matches nothing
), [
  { name: 'etl (data) -> api', conn: conn(etl, api, 8080), allowed: false },
  { name: 'web (shop) -> api', conn: conn(web, api, 8080), allowed: true },
]);

// GIVEN DENY rules: [{}]
table('DENY with an empty rule denies everything', cluster(ap('shop', 'deny-all', { action: 'DENY', rules: [{}] })), [
  { name: 'web -> api', conn: conn(web, api, 8080), allowed: false },
  { name: 'ip -> api', conn: conn('198.51.100.4', api, 8080), allowed: false },
]);

// GIVEN the classic mistake: `from` and `to` in two rules instead of one
table('from and to in separate rules OR together (opens access)', cluster(
  ap('shop', 'mistake', { selector: { matchLabels: { app: 'api' } }, rules: [
    { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] },
    { to: [{ operation: { ports: ['8080'] } }] },
  ] }),
  ap('shop', 'correct', { selector: { matchLabels: { app: 'worker' } }, rules: [
    { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['8080'] } }] },
  ] }),
), [
  { name: 'UNEXPECTED: etl -> api:8080 passes via the to-only rule', conn: conn(etl, api, 8080), allowed: true },
  { name: 'UNEXPECTED: plaintext ip -> api:8080 passes too', conn: conn('203.0.113.7', api, 8080), allowed: true },
  { name: 'UNEXPECTED: web -> api:9999 passes via the from-only rule', conn: conn(web, api, 9999), allowed: true },
  { name: 'etl -> api:9999 (neither rule)', conn: conn(etl, api, 9999), allowed: false },
  { name: 'single rule: etl -> worker:8080', conn: conn(etl, worker, 8080), allowed: false },
  { name: 'single rule: web -> worker:8080', conn: conn(web, worker, 8080), allowed: true },
  { name: 'single rule: web -> worker:9999', conn: conn(web, worker, 9999), allowed: false },
]);

// GIVEN two `from` entries, a source with two fields, and two `to` entries
table('from entries OR, fields of one source AND, to entries OR', cluster(
  ap('shop', 'api', { selector: { matchLabels: { app: 'api' } }, rules: [{
    from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }, { source: { namespaces: ['data'] } }],
    to: [{ operation: { ports: ['80'] } }, { operation: { ports: ['443'] } }],
  }] }),
  ap('shop', 'worker', { selector: { matchLabels: { app: 'worker' } }, rules: [{ from: [{ source: { namespaces: ['shop'], principals: ['*/sa/web'] } }] }] }),
), [
  { name: 'web via first from entry, port 80', conn: conn(web, api, 80), allowed: true },
  { name: 'etl via second from entry, port 443', conn: conn(etl, api, 443), allowed: true },
  { name: 'worker matches neither from entry', conn: conn(worker, api, 80), allowed: false },
  { name: 'web on a port in neither to entry', conn: conn(web, api, 8080), allowed: false },
  { name: 'both fields of one source hold', conn: conn(web, worker, 80), allowed: true },
  { name: 'namespace holds, principal does not', conn: conn(api, worker, 80), allowed: false },
]);

// GIVEN sources that are not mTLS: an ip peer, a pod without sidecar, and a mesh pod talking to a DISABLE port
table('identities exist only under mTLS: principals/namespaces never match plaintext', cluster(
  ap('shop', 'any-principal', { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { principals: ['*'] } }] }, { from: [{ source: { namespaces: ['shop'] } }] }] }),
  pa('shop', 'api-8081-disable', { selector: { matchLabels: { app: 'api' } }, portLevelMtls: { 8081: { mode: 'DISABLE' } } }),
), [
  { name: 'mesh web (mTLS)', conn: conn(web, api, 8080), allowed: true },
  { name: 'legacy pod in shop, no sidecar (PERMISSIVE plaintext)', conn: conn(legacy, api, 8080), allowed: false },
  { name: 'ip peer', conn: conn('10.0.0.99', api, 8080), allowed: false },
  { name: 'mesh web to DISABLE port (auto mTLS sends plaintext)', conn: conn(web, api, 8081), allowed: false },
]);

// GIVEN the documented "require mTLS" DENY with notPrincipals: ["*"]
table('DENY notPrincipals ["*"] rejects plaintext only', cluster(
  ap('shop', 'require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] }),
), [
  { name: 'mesh web', conn: conn(web, api, 8080), allowed: true },
  { name: 'legacy plaintext', conn: conn(legacy, api, 8080), allowed: false },
]);

// GIVEN policies in the root namespace
table('root-namespace policies apply mesh-wide; selectors match labels in every namespace', cluster(
  ap('istio-system', 'deny-etl-everywhere', { action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/data/sa/etl'] } }] }] }),
  ap('istio-system', 'db-only-from-etl', { selector: { matchLabels: { app: 'db' } }, rules: [{ from: [{ source: { namespaces: ['data'] } }] }] }),
  ap('data', 'not-root', { action: 'DENY', rules: [{}], selector: { matchLabels: { app: 'api' } } }), // data policy never reaches shop
), [
  { name: 'etl -> shop/api (root DENY)', conn: conn(etl, api, 8080), allowed: false },
  { name: 'web -> shop/api', conn: conn(web, api, 8080), allowed: true },
  { name: 'web -> data/db (root ALLOW selects db)', conn: conn(web, db, 5432), allowed: false },
  { name: 'etl -> data/db denied by root DENY first', conn: conn(etl, db, 5432), allowed: false },
]);

// GIVEN HTTP-only fields used against TCP and HTTP connections
table('ALLOW rule with HTTP-only fields is dropped on TCP', cluster(
  ap('shop', 'get-only', { selector: { matchLabels: { app: 'api' } }, rules: [{ to: [{ operation: { methods: ['GET'], ports: ['8080'] } }] }] }),
), [
  { name: 'TCP 8080', conn: conn(web, api, 8080), allowed: false },
  { name: 'HTTP GET 8080', conn: conn(web, api, 8080, { method: 'GET', path: '/' }), allowed: true },
  { name: 'HTTP POST 8080', conn: conn(web, api, 8080, { method: 'POST', path: '/' }), allowed: false },
]);
table('DENY with HTTP-only fields ignores them on TCP (wider deny)', cluster(
  ap('shop', 'deny-get', { selector: { matchLabels: { app: 'api' } }, action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
  ap('shop', 'deny-get-9000', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'], ports: ['9000'] } }] }] }),
), [
  { name: 'TCP to api (methods ignored -> deny all)', conn: conn(etl, api, 8080), allowed: false },
  { name: 'HTTP POST to api', conn: conn(etl, api, 8080, { method: 'POST', path: '/' }), allowed: true },
  { name: 'TCP to web:9000', conn: conn(etl, web, 9000), allowed: false },
  { name: 'TCP to web:9001', conn: conn(etl, web, 9001), allowed: true },
]);

// GIVEN string match forms on principals and paths
table('exact, prefix, suffix and presence matching', cluster(
  ap('shop', 'match', { selector: { matchLabels: { app: 'api' } }, rules: [
    { from: [{ source: { principals: ['cluster.local/ns/data/*'] } }], to: [{ operation: { paths: ['/etl/*'] } }] },
    { to: [{ operation: { paths: ['*/healthz'], methods: ['GET'] } }] },
    { to: [{ operation: { paths: ['/public'], notMethods: ['DELETE'] } }] },
    { to: [{ operation: { paths: ['/items/{*}/view'] } }] },
  ] }),
), [
  { name: 'data/etl prefix principal on /etl/run', conn: conn(etl, api, 80, { method: 'POST', path: '/etl/run' }), allowed: true },
  { name: 'shop/web on /etl/run', conn: conn(web, api, 80, { method: 'POST', path: '/etl/run' }), allowed: false },
  { name: 'suffix path /v1/healthz with query', conn: conn(web, api, 80, { method: 'GET', path: '/v1/healthz?full=1' }), allowed: true },
  { name: 'suffix path but POST', conn: conn(web, api, 80, { method: 'POST', path: '/v1/healthz' }), allowed: false },
  { name: 'exact /public with GET (notMethods)', conn: conn(web, api, 80, { method: 'GET', path: '/public' }), allowed: true },
  { name: 'exact /public with DELETE', conn: conn(web, api, 80, { method: 'DELETE', path: '/public' }), allowed: false },
  { name: '/public/x is not exact', conn: conn(web, api, 80, { method: 'GET', path: '/public/x' }), allowed: false },
  { name: 'path template one segment', conn: conn(web, api, 80, { method: 'GET', path: '/items/42/view' }), allowed: true },
  { name: 'path template two segments', conn: conn(web, api, 80, { method: 'GET', path: '/items/4/2/view' }), allowed: false },
]);

// GIVEN source ip blocks and when-conditions
table('ipBlocks, notIpBlocks and when conditions', cluster(
  ap('shop', 'ip', { selector: { matchLabels: { app: 'api' } }, rules: [
    { from: [{ source: { ipBlocks: ['203.0.113.0/24'], notIpBlocks: ['203.0.113.66'] } }] },
    { when: [{ key: 'source.namespace', values: ['data'] }, { key: 'destination.port', values: ['5000'] }] },
    { when: [{ key: 'source.principal', values: ['*/sa/default'] }] },
  ] }),
), [
  { name: '203.0.113.5', conn: conn('203.0.113.5', api, 80), allowed: true },
  { name: '203.0.113.66 (notIpBlocks)', conn: conn('203.0.113.66', api, 80), allowed: false },
  { name: 'data/etl on 5000', conn: conn(etl, api, 5000), allowed: true },
  { name: 'data/etl on 5001', conn: conn(etl, api, 5001), allowed: false },
  { name: 'worker without serviceAccount is sa/default', conn: conn(worker, api, 80), allowed: true },
  { name: 'web is sa/web', conn: conn(web, api, 80), allowed: false },
]);

// GIVEN fields the Connection model has no value for (Host header, JWT) and request.* conditions
table('absent Host/JWT: positive lists fail, negative lists pass; request.* dropped from DENY on TCP', cluster(
  ap('shop', 'api-hosts', { selector: { matchLabels: { app: 'api' } }, rules: [
    { to: [{ operation: { hosts: ['api.shop.svc'], paths: ['/a'] } }] },
    { to: [{ operation: { notHosts: ['evil.example'], paths: ['/b'] } }] },
    { from: [{ source: { requestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/c'] } }] },
    { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/d'] } }] },
  ] }),
  ap('shop', 'web-deny-hdr', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-debug]', values: ['1'] }] }] }),
  ap('shop', 'worker-allow-hdr', { selector: { matchLabels: { app: 'worker' } }, rules: [{ when: [{ key: 'request.headers[x-debug]', notValues: ['1'] }] }] }),
), [
  { name: 'ALLOW request.headers on TCP: whole rule dropped -> default deny', conn: conn(etl, worker, 80), allowed: false },
  { name: 'hosts on /a', conn: conn(etl, api, 80, { method: 'GET', path: '/a' }), allowed: false },
  { name: 'notHosts on /b', conn: conn(etl, api, 80, { method: 'GET', path: '/b' }), allowed: true },
  { name: 'requestPrincipals on /c', conn: conn(etl, api, 80, { method: 'GET', path: '/c' }), allowed: false },
  { name: 'notRequestPrincipals on /d', conn: conn(etl, api, 80, { method: 'GET', path: '/d' }), allowed: true },
  { name: 'DENY request.headers on TCP: condition dropped -> deny', conn: conn(etl, web, 80), allowed: false },
  { name: 'DENY request.headers on HTTP: not modelled -> no match', conn: conn(etl, web, 80, { method: 'GET', path: '/' }), allowed: true },
]);

describe('dry-run policies are reported, never enforced', () => {
  // GIVEN a dry-run DENY matching web and a dry-run allow-nothing on worker
  const c = cluster(
    ap('shop', 'dry-deny', { selector: { matchLabels: { app: 'api' } }, action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }] }, { 'istio.io/dry-run': 'true' }),
    ap('shop', 'dry-allow-nothing', { selector: { matchLabels: { app: 'worker' } } }, { 'istio.io/dry-run': 'true' }),
  );
  it('a matching dry-run DENY allows and reports dry-run-deny with the rule', () => {
    const v = evaluate(c, conn(web, api, 8080));
    assert.equal(v.allowed, true);
    assert.deepEqual(effects(v, 'dry-run-deny').map((r) => [r.policy, r.rule]), [['AuthorizationPolicy shop/dry-deny', 0]]);
    assert.equal(effects(v, 'deny').length, 0);
  });
  it('a non-matching dry-run DENY reports nothing', () => {
    const v = evaluate(c, conn(etl, api, 8080));
    assert.equal(v.allowed, true);
    assert.equal(effects(v, 'dry-run-deny').length, 0);
  });
  it('a dry-run ALLOW does not switch on default deny but reports what it would do', () => {
    const v = evaluate(c, conn(web, worker, 8080));
    assert.equal(v.allowed, true);
    assert.deepEqual(effects(v, 'dry-run-deny').map((r) => r.policy), ['AuthorizationPolicy shop/dry-allow-nothing']);
  });
});

describe('ignored and unmodelled inputs say so', () => {
  it('CUSTOM and targetRef policies do not decide and leave an info reason', () => {
    // GIVEN a CUSTOM deny-all-looking policy and a targetRef DENY
    const c = cluster(
      ap('shop', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
      ap('shop', 'waypoint', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'DENY', rules: [{}] }),
    );
    const v = evaluate(c, conn(web, api, 8080));
    assert.equal(v.allowed, true);
    assert.deepEqual(effects(v, 'info').filter((r) => r.policy !== '(default)').map((r) => r.policy).sort(),
      ['AuthorizationPolicy shop/ext', 'AuthorizationPolicy shop/waypoint']);
  });
  it('request.headers on HTTP is not modelled: the rule does not match and an info reason names it', () => {
    const c = cluster(ap('shop', 'hdr', { rules: [{ when: [{ key: 'request.headers[x-user]', values: ['admin'] }] }] }));
    const v = evaluate(c, conn(web, api, 8080, { method: 'GET', path: '/' }));
    assert.equal(v.allowed, false);
    assert.ok(effects(v, 'info').some((r) => r.rule === 0 && r.text.includes('request.headers[x-user]')));
  });
  it('an ALLOW rule dropped for HTTP-only fields on TCP is explained', () => {
    const c = cluster(ap('shop', 'get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }));
    const v = evaluate(c, conn(web, api, 8080));
    assert.equal(v.allowed, false);
    assert.ok(effects(v, 'info').some((r) => r.policy === 'AuthorizationPolicy shop/get' && /HTTP-only/.test(r.text)));
  });
  it('a custom trust domain is used for principals', () => {
    const c: Cluster = { ...cluster(ap('shop', 'td', { rules: [{ from: [{ source: { principals: ['corp.example/ns/shop/sa/web'] } }] }] })), trustDomain: 'corp.example' };
    assert.equal(evaluate(c, conn(web, api, 1)).allowed, true);
    assert.equal(evaluate({ ...c, trustDomain: undefined }, conn(web, api, 1)).allowed, false);
  });
});
