// L3/L4: per namespace a default deny and the carve-outs a strict namespace needs; per workload
// (or whole module) one ingress and one egress policy holding every declared flow. A flow needs
// both ends: egress at the source and ingress at the destination (NOTES.md).
import type { Intent, PortSpec, ResolvedFlow, Side } from './intent.ts';
import { resource } from './metadata.ts';
import { canonicalKey, groupBy, uniqueSorted } from './group.ts';
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

/** Rules with the same ports merge their peers, so a policy has one rule per port set. */
function rules(flows: ResolvedFlow[], peerSide: 'from' | 'to', nsSelector: NsSelector): Record<string, unknown>[] {
  const byPorts = groupBy(flows, (f) => canonicalKey(ports(f) ?? null));
  const out = [...byPorts.values()].map((group) => {
    const peers = uniqueSorted(group.map((f) => peer(f[peerSide], nsSelector)));
    const p = ports(group[0]!);
    return p ? { [peerSide]: peers, ports: p } : { [peerSide]: peers };
  });
  return uniqueSorted(out);
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
  for (const d of directions) {
    for (const group of groupBy(flows, (f) => targetKey(f[d.at])).values()) {
      const sel = selected(group[0]![d.at]);
      np(sel.namespace, policyName(d.key, sel.target), syncWaves.allowNetworkPolicy, {
        podSelector: sel.podSelector,
        policyTypes: [d.type],
        [d.key]: rules(group, d.peer, nsSelector),
      });
    }
  }
  return out;
}
