// L7 identity: a PeerAuthentication per namespace (plus port-level plaintext exceptions for flows
// from outside the mesh) and one ALLOW AuthorizationPolicy per destination holding every flow to
// it, `from` and `to` in the same rule (in separate rules they would be ORed and open access).
import { groupBy, uniqueSorted } from './group.ts';
import type { Intent, ResolvedFlow, Side } from './intent.ts';
import { resource } from './metadata.ts';
import { authorizationName, plaintextExceptionName } from './names.ts';
import { DRY_RUN, type PlannedResource } from './resource.ts';

function inMesh(side: Side): boolean {
  return side.kind === 'module' || (side.kind === 'workload' && side.workload.mesh);
}

/** Flows Istio sees: TCP into a sidecar. UDP and SCTP bypass the proxy. */
function meshFlows(flows: ResolvedFlow[]): ResolvedFlow[] {
  return flows.filter((f) => f.protocol === 'TCP' && inMesh(f.to));
}

export function planPeerAuthentications(intent: Intent, namespaces: string[], flows: ResolvedFlow[]): PlannedResource[] {
  const { mtls, syncWaves } = intent.env.policy;
  const api = intent.istio.security;
  const out = namespaces.map((ns) =>
    resource('peer-authentication', 'PeerAuthentication', ns, 'default', syncWaves.peerAuthentication, { apiVersion: api, selector: null, mtls: { mode: mtls }, portLevelMtls: null }),
  );
  if (mtls !== 'STRICT') return out;
  const plaintext = meshFlows(flows).filter((f) => f.from.kind === 'cidr' && f.to.kind === 'workload');
  for (const group of groupBy(plaintext, (f) => (f.to.kind === 'workload' ? f.to.workload.name : undefined)).values()) {
    const w = (group[0]!.to as Extract<Side, { kind: 'workload' }>).workload;
    const ports = [...new Set(group.flatMap((f) => (f.ports ?? []).map((p) => p.port)))].sort((a, b) => a - b);
    out.push(
      resource('peer-authentication', 'PeerAuthentication', w.namespace, plaintextExceptionName(w.name), syncWaves.peerAuthentication, {
        apiVersion: api,
        selector: { matchLabels: w.selector },
        mtls: { mode: 'STRICT' },
        portLevelMtls: Object.fromEntries(ports.map((p) => [String(p), { mode: 'PERMISSIVE' }])),
      }),
    );
  }
  return out;
}

function source(side: Side, trustDomain: string): Record<string, unknown> {
  switch (side.kind) {
    case 'workload':
      return { principals: [`${trustDomain}/ns/${side.workload.namespace}/sa/${side.workload.serviceAccount ?? 'default'}`] };
    case 'module':
      return { namespaces: [side.namespace] };
    case 'cidr':
      return side.except.length ? { ipBlocks: [side.cidr], notIpBlocks: [...side.except].sort() } : { ipBlocks: [side.cidr] };
  }
}

function operation(flow: ResolvedFlow): Record<string, unknown> | undefined {
  const op: Record<string, unknown> = {};
  // Istio ports are single numbers; a range stays enforced at L3/L4 only (docs/semantics.md).
  if (flow.ports && flow.ports.every((p) => p.endPort === undefined)) op.ports = flow.ports.map((p) => String(p.port));
  if (flow.http?.methods) op.methods = [...flow.http.methods];
  if (flow.http?.paths) op.paths = [...flow.http.paths];
  return Object.keys(op).length ? op : undefined;
}

function rule(flow: ResolvedFlow, trustDomain: string): Record<string, unknown> {
  const op = operation(flow);
  const from = [{ source: source(flow.from, trustDomain) }];
  return op ? { from, to: [{ operation: op }] } : { from };
}

export function planAuthorizationPolicies(intent: Intent, namespaces: string[], flows: ResolvedFlow[]): PlannedResource[] {
  const { authorization, allowNothing, syncWaves } = intent.env.policy;
  if (authorization === 'off') return [];
  const api = intent.istio.security;
  const extra: Record<string, string> = authorization === 'dry-run' ? { [DRY_RUN]: 'true' } : {};
  const out: PlannedResource[] = [];
  const ap = (ns: string, name: string, values: Record<string, unknown>) =>
    out.push(resource('authorization-policy', 'AuthorizationPolicy', ns, name, syncWaves.authorizationPolicy, { apiVersion: api, selector: null, action: null, rules: null, ...values }, extra));
  if (allowNothing) for (const ns of namespaces) ap(ns, 'allow-nothing', {});
  const byTarget = groupBy(meshFlows(flows), (f) => (f.to.kind === 'workload' ? `w:${f.to.workload.name}` : f.to.kind === 'module' ? `m:${f.to.module}` : undefined));
  for (const group of byTarget.values()) {
    const to = group[0]!.to;
    const rules = uniqueSorted(group.map((f) => rule(f, intent.platform.trustDomain)));
    if (to.kind === 'workload') ap(to.workload.namespace, authorizationName(to.workload.name), { selector: { matchLabels: to.workload.selector }, action: 'ALLOW', rules });
    else if (to.kind === 'module') ap(to.namespace, authorizationName(), { action: 'ALLOW', rules });
  }
  return out;
}
