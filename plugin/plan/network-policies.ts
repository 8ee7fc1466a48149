// L3/L4: per namespace a default deny and the carve-outs a strict namespace needs; per workload
// (or whole module) one ingress and one egress policy holding every declared flow. A flow needs
// both ends: egress at the source and ingress at the destination (NOTES.md).
import type { Intent, PortSpec, ResolvedFlow, Side } from './intent.ts';
import { resource } from './metadata.ts';
import { canonicalKey, groupBy, uniqueSortedBy } from './group.ts';
import { policyName } from './names.ts';
import type { PlannedResource } from './resource.ts';

const NS_LABEL = 'kubernetes.io/metadata.name';

/** Well-known control-plane endpoints (NOTES.md: carve-outs a strict environment must keep). */
export const CARVE_OUTS = {
  dns: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
  istiod: { namespace: 'istio-system', selector: { app: 'istiod' }, ports: [{ protocol: 'TCP', port: 15012 }] },
};

type NsSelector = (ns: string) => { matchLabels: Record<string, string> };

function byName(ns: string) {
  return { matchLabels: { [NS_LABEL]: ns } };
}

/** By name, except namespaces whose module says `selectBy: labels`: by those labels. */
function namespaceSelector(intent: Intent): NsSelector {
  const byLabels = new Map<string, Record<string, string>>();
  for (const [key, m] of Object.entries(intent.platform.modules)) {
    if (m.selectBy === 'labels') byLabels.set(m.namespace ?? key, { ...m.labels });
  }
  return (ns) => (byLabels.has(ns) ? { matchLabels: byLabels.get(ns)! } : byName(ns));
}

/** The NetworkPolicy peer for one side of a flow. */
function peer(side: Side, nsSelector: NsSelector): Record<string, unknown> {
  switch (side.kind) {
    case 'workload':
      return { namespaceSelector: nsSelector(side.workload.namespace), podSelector: { matchLabels: side.workload.selector } };
    case 'module':
      return { namespaceSelector: nsSelector(side.namespace) };
    case 'cidr':
      return { ipBlock: side.except.length ? { cidr: side.cidr, except: [...side.except].sort() } : { cidr: side.cidr } };
  }
}

function ports(flow: ResolvedFlow): Record<string, unknown>[] | undefined {
  return flow.ports?.map((p: PortSpec) => (p.endPort ? { protocol: flow.protocol, port: p.port, endPort: p.endPort } : { protocol: flow.protocol, port: p.port }));
}

/** Target key of the pods a side selects: one policy per key and direction. */
function targetKey(side: Side): string | undefined {
  if (side.kind === 'workload') return `w:${side.workload.name}`;
  if (side.kind === 'module') return `m:${side.module}`;
  return undefined;
}

/** Canonical keys (group.ts) of what the plan compares, and peers, each computed once per flow or side. */
interface Keys {
  ports(f: ResolvedFlow): string;
  peer(side: Side): { peer: Record<string, unknown>; key: string };
}

function keyCache(nsSelector: NsSelector): Keys {
  const ports$ = new Map<ResolvedFlow, string>();
  const peers = new Map<string, { peer: Record<string, unknown>; key: string }>();
  return {
    ports(f) {
      let k = ports$.get(f);
      if (k === undefined) ports$.set(f, (k = canonicalKey(ports(f) ?? null)));
      return k;
    },
    peer(side) {
      // What a peer is made of: a workload's namespace and selector, a module's namespace, a cidr
      // and its exceptions. The peer object is shared by the rules that name it (nothing mutates it).
      const id = side.kind === 'workload' ? `w ${side.workload.name}` : side.kind === 'module' ? `m ${side.namespace}` : `c ${side.cidr} ${[...side.except].sort().join(' ')}`;
      let p = peers.get(id);
      if (p === undefined) {
        const value = peer(side, nsSelector);
        peers.set(id, (p = { peer: value, key: canonicalKey(value) }));
      }
      return p;
    },
  };
}

/**
 * Rules with the same ports merge their peers, so a policy has one rule per port set. Peers and
 * rules are distinct and sorted by canonical form (uniqueSorted); the keys are composed from
 * per-side and per-flow keys instead of re-serialising every rule.
 */
function rules(flows: ResolvedFlow[], peerSide: 'from' | 'to', keys: Keys): Record<string, unknown>[] {
  const byPorts = groupBy(flows, (f) => keys.ports(f));
  const out: { rule: Record<string, unknown>; key: string }[] = [];
  for (const [portsKey, group] of byPorts) {
    const sorted = uniqueSortedBy(
      group.map((f) => keys.peer(f[peerSide])),
      (p) => p.key,
    );
    const peers = sorted.map((p) => p.peer);
    const peersKey = `[${sorted.map((p) => p.key).join(',')}]`;
    const p = ports(group[0]!);
    // canonicalKey of the rule: its keys in sorted order ("from" < "ports" < "to").
    if (!p) out.push({ rule: { [peerSide]: peers }, key: `{"${peerSide}":${peersKey}}` });
    else if (peerSide === 'from') out.push({ rule: { from: peers, ports: p }, key: `{"from":${peersKey},"ports":${portsKey}}` });
    else out.push({ rule: { to: peers, ports: p }, key: `{"ports":${portsKey},"to":${peersKey}}` });
  }
  return uniqueSortedBy(out, (r) => r.key).map((r) => r.rule);
}

function selected(side: Side): { namespace: string; podSelector: Record<string, unknown>; target: string | undefined } {
  if (side.kind === 'workload') return { namespace: side.workload.namespace, podSelector: { matchLabels: side.workload.selector }, target: side.workload.name };
  if (side.kind === 'module') return { namespace: side.namespace, podSelector: {}, target: undefined };
  throw new Error('a cidr selects no pods');
}

export function planNetworkPolicies(intent: Intent, namespaces: string[], flows: ResolvedFlow[]): PlannedResource[] {
  const { defaultDeny, carveOuts, syncWaves, mesh } = intent.env.policy;
  if (!defaultDeny.ingress && !defaultDeny.egress) return [];
  const nsSelector = namespaceSelector(intent);
  const out: PlannedResource[] = [];
  const np = (namespace: string, name: string, wave: number, spec: Record<string, unknown>) =>
    out.push(resource('network-policy', 'NetworkPolicy', namespace, name, wave, { ingress: null, egress: null, ...spec }));

  const types = [...(defaultDeny.ingress ? ['Ingress'] : []), ...(defaultDeny.egress ? ['Egress'] : [])];
  for (const ns of namespaces) {
    np(ns, 'default-deny', syncWaves.denyNetworkPolicy, { podSelector: {}, policyTypes: types });
    if (!defaultDeny.egress) continue;
    const egress = [
      ...(carveOuts.dns ? [CARVE_OUTS.dns] : []),
      ...(carveOuts.istiod && mesh ? [CARVE_OUTS.istiod] : []),
    ].map((c) => ({ to: [{ namespaceSelector: byName(c.namespace), podSelector: { matchLabels: c.selector } }], ports: c.ports }));
    if (egress.length) np(ns, policyName('carve-outs'), syncWaves.allowNetworkPolicy, { podSelector: {}, policyTypes: ['Egress'], egress });
  }

  const directions = [
    ...(defaultDeny.ingress ? [{ type: 'Ingress', key: 'ingress', at: 'to', peer: 'from' } as const] : []),
    ...(defaultDeny.egress ? [{ type: 'Egress', key: 'egress', at: 'from', peer: 'to' } as const] : []),
  ];
  const keys = keyCache(nsSelector);
  for (const d of directions) {
    for (const group of groupBy(flows, (f) => targetKey(f[d.at])).values()) {
      const sel = selected(group[0]![d.at]);
      np(sel.namespace, policyName(d.key, sel.target), syncWaves.allowNetworkPolicy, {
        podSelector: sel.podSelector,
        policyTypes: [d.type],
        [d.key]: rules(group, d.peer, keys),
      });
    }
  }
  return out;
}
