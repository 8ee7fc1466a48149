// Kubernetes NetworkPolicy (networking.k8s.io/v1) evaluation for one connection.
//
// Semantics follow the API reference and the defaulting code in
// k8s.io/kubernetes pkg/apis/networking/v1/defaults.go:
// - a pod is isolated for a direction iff a policy in its namespace selects it
//   and lists that direction in policyTypes; when policyTypes is empty it is
//   defaulted to [Ingress] plus Egress only when `egress` has at least one rule
//   (so `egress: []` without policyTypes does NOT isolate egress);
// - rules of all selecting policies are ORed (policies are additive);
// - a connection needs egress allowed at a source pod AND ingress allowed at a
//   destination pod; ip peers have no policy of their own.
// ipBlock matches ip peers and pods whose `ip` is known (the docs leave pod IPs
// in ipBlocks implementation-defined; most CNIs match them).
import { compileSelector, type LabelMatcher, type Labels } from './label-selector.ts';
import { cidrContains, parseCidr, parseIp, type Cidr } from './cidr.ts';
import {
  DEFAULT_POLICY, isPodPeer, namespaceOf, peerIp, peerName, policyRef, protocolOf,
  type Connection, type KubeObject, type NamespaceInfo, type Peer, type Pod, type Protocol, type Reason,
} from './model.ts';

type Direction = 'ingress' | 'egress';

type CompiledPeer =
  | { kind: 'selector'; pods?: LabelMatcher; namespaces?: LabelMatcher }
  | { kind: 'ipBlock'; cidr: Cidr; except: Cidr[] }
  | { kind: 'none' }; // invalid/empty peer: the API server would refuse it, so it admits nothing

interface CompiledPort { protocol: Protocol; port?: number; endPort?: number; name?: string }

/** peers/ports undefined = "all" (absent or empty list, per the API reference). */
interface CompiledRule { peers?: CompiledPeer[]; ports?: CompiledPort[] }

interface CompiledPolicy {
  ref: string;
  namespace: string;
  selects: LabelMatcher;
  /** Present iff the policy isolates that direction. */
  ingress?: CompiledRule[];
  egress?: CompiledRule[];
}

export interface NetworkPolicyIndex {
  byNamespace: Map<string, CompiledPolicy[]>;
  namespaceLabels: Map<string, Labels>;
  /** Selecting policies per pod object; pods are immutable inputs, so identity is a safe key. */
  selecting: WeakMap<Pod, { ingress: CompiledPolicy[]; egress: CompiledPolicy[] }>;
}

export interface LayerResult { allowed: boolean; reasons: Reason[] }

const METADATA_NAME = 'kubernetes.io/metadata.name';

export function indexNetworkPolicies(objects: KubeObject[], namespaces: NamespaceInfo[]): NetworkPolicyIndex {
  const byNamespace = new Map<string, CompiledPolicy[]>();
  for (const obj of objects) {
    if (obj.kind !== 'NetworkPolicy' || obj.apiVersion !== 'networking.k8s.io/v1') continue;
    const p = compilePolicy(obj);
    const list = byNamespace.get(p.namespace) ?? [];
    list.push(p);
    byNamespace.set(p.namespace, list);
  }
  const namespaceLabels = new Map<string, Labels>();
  for (const ns of namespaces) namespaceLabels.set(ns.name, { ...ns.labels, [METADATA_NAME]: ns.name });
  return { byNamespace, namespaceLabels, selecting: new WeakMap() };
}

/** Labels of a namespace including the immutable kubernetes.io/metadata.name label; unknown namespaces get only that label. */
export function labelsOfNamespace(index: NetworkPolicyIndex, ns: string): Labels {
  return index.namespaceLabels.get(ns) ?? { [METADATA_NAME]: ns };
}

function compilePolicy(obj: KubeObject): CompiledPolicy {
  const spec = obj.spec ?? {};
  const ingressRules: any[] = Array.isArray(spec.ingress) ? spec.ingress : [];
  const egressRules: any[] = Array.isArray(spec.egress) ? spec.egress : [];
  let types: string[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length === 0) types = egressRules.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  const namespace = namespaceOf(obj);
  return {
    ref: policyRef(obj),
    namespace,
    // podSelector is required; a missing one is treated as {} (all pods), its defaulted form.
    selects: compileSelector(spec.podSelector ?? {}),
    ingress: types.includes('Ingress') ? ingressRules.map((r) => compileRule(r?.from, r?.ports)) : undefined,
    egress: types.includes('Egress') ? egressRules.map((r) => compileRule(r?.to, r?.ports)) : undefined,
  };
}

function compileRule(peers: unknown, ports: unknown): CompiledRule {
  return {
    peers: Array.isArray(peers) && peers.length > 0 ? peers.map(compilePeer) : undefined,
    ports: Array.isArray(ports) && ports.length > 0 ? ports.map(compilePort) : undefined,
  };
}

function compilePeer(peer: any): CompiledPeer {
  if (peer?.ipBlock) {
    const cidr = parseCidr(String(peer.ipBlock.cidr ?? ''));
    if (!cidr) return { kind: 'none' };
    const except = (peer.ipBlock.except ?? []).map((e: unknown) => parseCidr(String(e))).filter(Boolean) as Cidr[];
    return { kind: 'ipBlock', cidr, except };
  }
  if (!peer?.podSelector && !peer?.namespaceSelector) return { kind: 'none' };
  return {
    kind: 'selector',
    pods: peer.podSelector ? compileSelector(peer.podSelector) : undefined,
    namespaces: peer.namespaceSelector ? compileSelector(peer.namespaceSelector) : undefined,
  };
}

function compilePort(p: any): CompiledPort {
  const protocol: Protocol = p?.protocol ?? 'TCP';
  // IntOrString: a YAML number is a port number, a string is a container port *name*.
  if (typeof p?.port === 'number') {
    return { protocol, port: p.port, endPort: typeof p.endPort === 'number' ? p.endPort : undefined };
  }
  if (typeof p?.port === 'string') return { protocol, name: p.port };
  return { protocol };
}

function selectingPolicies(index: NetworkPolicyIndex, pod: Pod) {
  let hit = index.selecting.get(pod);
  if (!hit) {
    const inNs = index.byNamespace.get(pod.namespace) ?? [];
    const selected = inNs.filter((p) => p.selects(pod.labels));
    hit = { ingress: selected.filter((p) => p.ingress), egress: selected.filter((p) => p.egress) };
    index.selecting.set(pod, hit);
  }
  return hit;
}

function peerMatches(index: NetworkPolicyIndex, policyNs: string, peer: CompiledPeer, other: Peer): boolean {
  switch (peer.kind) {
    case 'none':
      return false;
    case 'ipBlock': {
      const ipText = peerIp(other);
      const ip = ipText === undefined ? undefined : parseIp(ipText);
      if (!ip || !cidrContains(peer.cidr, ip)) return false;
      return !peer.except.some((e) => cidrContains(e, ip));
    }
    case 'selector': {
      if (!isPodPeer(other)) return false;
      const pod = other.pod;
      if (peer.namespaces) {
        if (!peer.namespaces(labelsOfNamespace(index, pod.namespace))) return false;
      } else if (pod.namespace !== policyNs) {
        return false; // podSelector alone means "in the policy's own namespace"
      }
      return !peer.pods || peer.pods(pod.labels);
    }
  }
}

/** Named ports always resolve on the pod receiving the traffic (the destination), for ingress and egress alike. */
function portMatches(port: CompiledPort, conn: Connection): boolean {
  if (port.protocol !== protocolOf(conn)) return false;
  if (port.name !== undefined) {
    if (!isPodPeer(conn.to)) return false;
    return (conn.to.pod.ports ?? []).some(
      (cp) => cp.name === port.name && (cp.protocol ?? 'TCP') === port.protocol && cp.port === conn.port,
    );
  }
  if (port.port === undefined) return true;
  if (port.endPort !== undefined) return conn.port >= port.port && conn.port <= port.endPort;
  return conn.port === port.port;
}

function evaluateDirection(index: NetworkPolicyIndex, pod: Pod, dir: Direction, conn: Connection): LayerResult {
  const policies = selectingPolicies(index, pod)[dir];
  const self = `${pod.namespace}/${pod.name}`;
  const other = dir === 'ingress' ? conn.from : conn.to;
  const what = `${dir === 'egress' ? 'traffic to ' : ''}${peerName(other)} on ${protocolOf(conn)} ${conn.port}`;
  if (policies.length === 0) {
    return {
      allowed: true,
      reasons: [{ layer: 'L3/L4', policy: DEFAULT_POLICY, effect: 'info', text: `${self} is not isolated for ${dir}; no NetworkPolicy selecting it has ${dir === 'ingress' ? 'Ingress' : 'Egress'} in policyTypes` }],
    };
  }
  const allows: Reason[] = [];
  for (const p of policies) {
    const rules = p[dir] ?? [];
    rules.forEach((rule, i) => {
      const peerOk = !rule.peers || rule.peers.some((peer) => peerMatches(index, p.namespace, peer, other));
      const portOk = !rule.ports || rule.ports.some((port) => portMatches(port, conn));
      if (peerOk && portOk) {
        allows.push({ layer: 'L3/L4', policy: p.ref, rule: i, effect: 'allow', text: `${dir}[${i}] admits ${what} for ${self}` });
      }
    });
  }
  if (allows.length > 0) return { allowed: true, reasons: allows };
  return {
    allowed: false,
    reasons: policies.map((p) => ({
      layer: 'L3/L4' as const,
      policy: p.ref,
      effect: 'isolate' as const,
      text: `${self} is isolated for ${dir}; no ${dir} rule admits ${what}`,
    })),
  };
}

/** L3/L4 verdict: egress at a source pod AND ingress at a destination pod. */
export function evaluateNetworkPolicies(index: NetworkPolicyIndex, conn: Connection): LayerResult {
  const reasons: Reason[] = [];
  let allowed = true;
  if (isPodPeer(conn.from)) {
    const r = evaluateDirection(index, conn.from.pod, 'egress', conn);
    allowed &&= r.allowed;
    reasons.push(...r.reasons);
  }
  if (isPodPeer(conn.to)) {
    const r = evaluateDirection(index, conn.to.pod, 'ingress', conn);
    allowed &&= r.allowed;
    reasons.push(...r.reasons);
  }
  return { allowed, reasons };
}
