// Istio AuthorizationPolicy evaluation at a sidecar-injected destination pod.
//
// Sources: istio.io AuthorizationPolicy reference and security concepts page;
// istiod pilot/pkg/security/authz/model (model.go, generator.go).
// - Applicable policies: the pod's namespace and the root namespace, `selector`
//   matched against the pod's labels (absent/empty = every workload in scope).
// - Policies with targetRef/targetRefs are skipped: they bind to Gateways,
//   Services or waypoints, never to a sidecar (reported as info).
// - CUSTOM needs an external authorizer we cannot model: ignored, reported as info.
//   AUDIT never changes a decision: ignored silently.
// - DENY first; then, if any enforced ALLOW policy applies, some ALLOW rule must
//   match; with no ALLOW policy the request is allowed. No `rules` = matches nothing.
// - `istio.io/dry-run: "true"`: evaluated, reported as dry-run-deny, never enforced.
// - HTTP-only fields (requestPrincipals, hosts, methods, paths, request.* keys)
//   on a plain TCP connection: an ALLOW rule using any of them is dropped whole;
//   in DENY/AUDIT only those constraints are dropped (istio.io authz-tcp task;
//   Rule.checkError in model.go), which makes DENY wider.
// - Peer identity (principal, namespace) exists only under mTLS; positive fields
//   then never match and negative ones always do, which is why the documented
//   `DENY notPrincipals: ["*"]` rejects plaintext (istio.io security policy examples).
// - The Connection carries no Host header, JWT or other headers: hosts and
//   requestPrincipals / request.auth.principal see an absent value (positive
//   lists fail, negative lists pass); other request.*, connection.sni and
//   experimental.* conditions are not modelled and make the rule not match (info).
import { compileSelector, type LabelMatcher } from './label-selector.ts';
import { containsIp } from './cidr.ts';
import {
  DEFAULT_POLICY, isPodPeer, namespaceOf, peerIp, peerName, policyRef,
  type Connection, type KubeObject, type Pod, type Reason,
} from './model.ts';

type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

interface CompiledAuthorizationPolicy {
  ref: string;
  namespace: string;
  action: Action;
  dryRun: boolean;
  targeted: boolean;
  /** Undefined = all workloads in scope. */
  selects?: LabelMatcher;
  rules: any[];
}

export interface AuthorizationPolicyIndex {
  rootNamespace: string;
  trustDomain: string;
  byNamespace: Map<string, CompiledAuthorizationPolicy[]>;
}

/** What the destination sidecar knows about the request. */
export interface AuthzRequest {
  conn: Connection;
  dst: Pod;
  /** Set only when the connection is mTLS. */
  principal?: string;
  sourceNamespace?: string;
}

export interface AuthzResult { allowed: boolean; reasons: Reason[] }

const SECURITY_API = new Set(['security.istio.io/v1', 'security.istio.io/v1beta1']);
const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

export function indexAuthorizationPolicies(objects: KubeObject[], rootNamespace: string, trustDomain: string): AuthorizationPolicyIndex {
  const byNamespace = new Map<string, CompiledAuthorizationPolicy[]>();
  for (const obj of objects) {
    if (obj.kind !== 'AuthorizationPolicy' || !SECURITY_API.has(obj.apiVersion)) continue;
    const spec = obj.spec ?? {};
    const labels = spec.selector?.matchLabels ?? {};
    const p: CompiledAuthorizationPolicy = {
      ref: policyRef(obj),
      namespace: namespaceOf(obj),
      action: (['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(spec.action) ? spec.action : 'ALLOW') as Action,
      dryRun: obj.metadata.annotations?.['istio.io/dry-run'] === 'true',
      targeted: spec.targetRef != null || (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0),
      selects: Object.keys(labels).length > 0 ? compileSelector({ matchLabels: labels }) : undefined,
      // A null list entry (`- ` in YAML) is an empty rule, which matches everything.
      rules: Array.isArray(spec.rules) ? spec.rules.map((r: unknown) => r ?? {}) : [],
    };
    const list = byNamespace.get(p.namespace) ?? [];
    list.push(p);
    byNamespace.set(p.namespace, list);
  }
  return { rootNamespace, trustDomain, byNamespace };
}

/** SPIFFE identity without the spiffe:// prefix, as written in `principals`. */
export function principalOf(trustDomain: string, pod: Pod): string {
  return `${trustDomain}/ns/${pod.namespace}/sa/${pod.serviceAccount ?? 'default'}`;
}

// ---- value matching -------------------------------------------------------

/** Istio StringMatcher: "*" = present (non-empty), "*x" suffix, "x*" prefix, else exact. */
function matchValue(pattern: string, value: string | undefined, caseInsensitive = false): boolean {
  if (value === undefined || value === '') return false;
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  if (p === '*') return true;
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  return v === p;
}

// istiod turns each `*` of a namespace into the regex `.*` inside the principal
// regex "<any>/ns/<ns>/<any>", so `*` is a glob anywhere in the name.
function matchNamespace(pattern: string, ns: string | undefined): boolean {
  if (ns === undefined) return false;
  const re = new RegExp('^' + pattern.split('*').map(escapeRe).join('.*') + '$');
  return re.test(ns);
}

/** Path matching ignores the query string (Envoy url_path); {*} = one segment, {**} = the rest (Istio path templates). */
function matchPath(pattern: string, rawPath: string | undefined): boolean {
  if (rawPath === undefined) return false;
  const path = rawPath.split('?')[0]!.split('#')[0]!;
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const re = pattern.split(/(\{\*\*\}|\{\*\})/).map((t) => (t === '{**}' ? '.*' : t === '{*}' ? '[^/]+' : escapeRe(t))).join('');
    return new RegExp('^' + re + '$').test(path);
  }
  return matchValue(pattern, path);
}

function matchIp(cidrOrIp: string, ip: string | undefined): boolean {
  return ip !== undefined && containsIp(cidrOrIp, ip);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Matcher = (pattern: string) => boolean;

/** values: any must match; notValues: none may match. Empty/absent lists do not constrain. */
function field(values: unknown, notValues: unknown, m: Matcher): boolean {
  const pos = Array.isArray(values) ? (values as string[]) : [];
  const neg = Array.isArray(notValues) ? (notValues as string[]) : [];
  if (pos.length > 0 && !pos.some((v) => m(String(v)))) return false;
  return !neg.some((v) => m(String(v)));
}

// ---- rule matching ----------------------------------------------------------

interface RuleOutcome { matched: boolean; notes: string[] }

function hasAny(obj: any, keys: string[]): boolean {
  return keys.some((k) => Array.isArray(obj?.[k]) && obj[k].length > 0);
}

function usesHttpOnly(rule: any): boolean {
  return (rule.from ?? []).some((f: any) => hasAny(f?.source, HTTP_SOURCE_FIELDS))
    || (rule.to ?? []).some((t: any) => hasAny(t?.operation, HTTP_OPERATION_FIELDS))
    || (rule.when ?? []).some((c: any) => String(c?.key ?? '').startsWith('request.'));
}

function matchRule(rule: any, req: AuthzRequest, notes: string[]): boolean {
  const conn = req.conn;
  const http = conn.method !== undefined || conn.path !== undefined;
  // On TCP, HTTP-only constraints are dropped (DENY/AUDIT) — ALLOW rules using them never get here.
  const httpField = (values: unknown, notValues: unknown, m: Matcher) => !http || field(values, notValues, m);
  const srcIp = peerIp(conn.from);
  if (!http && usesHttpOnly(rule)) notes.push('HTTP-only fields ignored on a TCP connection');

  const fromOk = !Array.isArray(rule.from) || rule.from.length === 0 || rule.from.some((f: any) => {
    const s = f?.source;
    if (!s) return true;
    return field(s.principals, s.notPrincipals, (p) => matchValue(p, req.principal))
      && field(s.namespaces, s.notNamespaces, (p) => matchNamespace(p, req.sourceNamespace))
      && field(s.ipBlocks, s.notIpBlocks, (p) => matchIp(p, srcIp))
      && field(s.remoteIpBlocks, s.notRemoteIpBlocks, (p) => matchIp(p, srcIp))
      && httpField(s.requestPrincipals, s.notRequestPrincipals, () => false);
  });
  if (!fromOk) return false;

  const toOk = !Array.isArray(rule.to) || rule.to.length === 0 || rule.to.some((t: any) => {
    const o = t?.operation;
    if (!o) return true;
    return field(o.ports, o.notPorts, (p) => p === String(conn.port))
      && httpField(o.methods, o.notMethods, (p) => matchValue(p, conn.method))
      && httpField(o.paths, o.notPaths, (p) => matchPath(p, conn.path))
      && httpField(o.hosts, o.notHosts, () => false);
  });
  if (!toOk) return false;

  for (const c of Array.isArray(rule.when) ? rule.when : []) {
    const key = String(c?.key ?? '');
    const check = (m: Matcher) => field(c.values, c.notValues, m);
    let ok: boolean;
    if (key === 'source.ip' || key === 'remote.ip') ok = check((p) => matchIp(p, srcIp));
    else if (key === 'source.namespace') ok = check((p) => matchNamespace(p, req.sourceNamespace));
    else if (key === 'source.principal') ok = check((p) => matchValue(p, req.principal));
    else if (key === 'destination.port') ok = check((p) => p === String(conn.port));
    else if (key === 'destination.ip') ok = check((p) => matchIp(p, req.dst.ip));
    else if (key.startsWith('request.') && !http) ok = true; // dropped on TCP (DENY/AUDIT only)
    else if (key === 'request.auth.principal') ok = check(() => false); // no JWT is modelled
    else {
      notes.push(`condition "${key}" is not modelled; treated as not matching`);
      ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

function evaluateRule(rule: any, req: AuthzRequest, action: Action): RuleOutcome {
  const notes: string[] = [];
  const http = req.conn.method !== undefined || req.conn.path !== undefined;
  if (action === 'ALLOW' && !http && usesHttpOnly(rule)) {
    return { matched: false, notes: ['uses HTTP-only fields on a TCP connection; Istio drops the whole ALLOW rule'] };
  }
  return { matched: matchRule(rule, req, notes), notes };
}

// ---- policy evaluation ------------------------------------------------------

export function applicablePolicies(index: AuthorizationPolicyIndex, pod: Pod): CompiledAuthorizationPolicy[] {
  const scopes = pod.namespace === index.rootNamespace ? [pod.namespace] : [pod.namespace, index.rootNamespace];
  const out: CompiledAuthorizationPolicy[] = [];
  for (const ns of scopes) {
    for (const p of index.byNamespace.get(ns) ?? []) if (!p.selects || p.selects(pod.labels)) out.push(p);
  }
  return out;
}

interface Match { policy: CompiledAuthorizationPolicy; rule: number }

export function evaluateAuthorization(index: AuthorizationPolicyIndex, req: AuthzRequest): AuthzResult {
  const reasons: Reason[] = [];
  const who = `${peerName(req.conn.from)} -> ${req.dst.namespace}/${req.dst.name}:${req.conn.port}`;
  const identity = req.principal ? `as ${req.principal}` : 'without a peer identity (plaintext)';
  const deny: Match[] = [];
  const allow: Match[] = [];
  const dryDeny: Match[] = [];
  const dryAllow: Match[] = [];
  const allowPolicies: CompiledAuthorizationPolicy[] = [];
  const dryAllowPolicies: CompiledAuthorizationPolicy[] = [];

  for (const p of applicablePolicies(index, req.dst)) {
    if (p.targeted) {
      reasons.push({ layer: 'L7', policy: p.ref, effect: 'info', text: 'uses targetRef(s), which bind to gateways/waypoints, not sidecars; ignored' });
      continue;
    }
    if (p.action === 'CUSTOM') {
      reasons.push({ layer: 'L7', policy: p.ref, effect: 'info', text: 'CUSTOM (external authorizer) is not evaluated; ignored' });
      continue;
    }
    if (p.action === 'AUDIT') continue;
    if (p.action === 'ALLOW') (p.dryRun ? dryAllowPolicies : allowPolicies).push(p);
    const sink = p.action === 'DENY' ? (p.dryRun ? dryDeny : deny) : p.dryRun ? dryAllow : allow;
    p.rules.forEach((rule, i) => {
      const out = evaluateRule(rule, req, p.action);
      for (const n of out.notes) reasons.push({ layer: 'L7', policy: p.ref, rule: i, effect: 'info', text: n });
      if (out.matched) sink.push({ policy: p, rule: i });
    });
  }

  for (const m of deny) reasons.push({ layer: 'L7', policy: m.policy.ref, rule: m.rule, effect: 'deny', text: `DENY rules[${m.rule}] matches ${who} ${identity}` });
  for (const m of dryDeny) reasons.push({ layer: 'L7', policy: m.policy.ref, rule: m.rule, effect: 'dry-run-deny', text: `dry-run DENY rules[${m.rule}] would deny ${who} ${identity}` });

  let allowed = deny.length === 0;
  if (allowPolicies.length === 0) {
    if (allowed) reasons.push({ layer: 'L7', policy: DEFAULT_POLICY, effect: 'info', text: `no enforced ALLOW policy applies to ${req.dst.namespace}/${req.dst.name}; allowed unless denied` });
  } else if (allow.length > 0) {
    for (const m of allow) reasons.push({ layer: 'L7', policy: m.policy.ref, rule: m.rule, effect: 'allow', text: `ALLOW rules[${m.rule}] matches ${who} ${identity}` });
  } else {
    allowed = false;
    for (const p of allowPolicies) {
      reasons.push({
        layer: 'L7', policy: p.ref, effect: 'deny',
        text: p.rules.length === 0
          ? `ALLOW policy with no rules (allow-nothing) applies; ${who} is denied by default`
          : `no rule of this ALLOW policy matches ${who} ${identity}; denied by default`,
      });
    }
  }
  if (dryAllowPolicies.length > 0 && allow.length === 0 && dryAllow.length === 0) {
    for (const p of dryAllowPolicies) {
      reasons.push({ layer: 'L7', policy: p.ref, effect: 'dry-run-deny', text: `dry-run ALLOW policy: no ALLOW rule would match ${who} ${identity}; would be denied by default` });
    }
  }
  return { allowed, reasons };
}

/** Whether a connection source carries an identity for the authorization layer. */
export function authzRequest(index: AuthorizationPolicyIndex, conn: Connection, dst: Pod, mtlsUsed: boolean): AuthzRequest {
  if (!mtlsUsed || !isPodPeer(conn.from)) return { conn, dst };
  const src = conn.from.pod;
  return { conn, dst, principal: principalOf(index.trustDomain, src), sourceNamespace: src.namespace };
}
