// Input and output types of the connection evaluator, plus the few helpers every
// layer needs to talk about peers the same way in reasons.

export interface NamespaceInfo { name: string; labels: Record<string, string> } // kubernetes.io/metadata.name=<name> is implied, add it when missing
export interface ContainerPort { name?: string; port: number; protocol?: Protocol }
export interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Absent means the namespace's `default` ServiceAccount, as the Kubernetes ServiceAccount admission plugin assigns it. */
  serviceAccount?: string;
  ports?: ContainerPort[];
  inMesh: boolean;
  ip?: string;
}
/** `ip` = a peer outside the cluster and the mesh. */
export type Peer = { pod: Pod } | { ip: string };
/** protocol defaults to TCP; method/path are set only for HTTP requests (their presence makes the connection HTTP for Istio). */
export interface Connection { from: Peer; to: Peer; port: number; protocol?: Protocol; method?: string; path?: string }
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
}
export interface Cluster {
  namespaces: NamespaceInfo[];
  pods: Pod[];
  objects: KubeObject[];
  trustDomain?: string /* default cluster.local */;
  rootNamespace?: string /* default istio-system */;
}
/** rule is the 0-based index into spec.ingress / spec.egress / spec.rules of the named policy. */
export interface Reason {
  layer: 'L3/L4' | 'mTLS' | 'L7';
  policy: string /* "Kind ns/name", or "(default)" when no object decided */;
  rule?: number;
  effect: 'allow' | 'deny' | 'dry-run-deny' | 'isolate' | 'info';
  text: string;
}
export interface Verdict {
  allowed: boolean;
  l4: { allowed: boolean };
  mtls: { allowed: boolean; mode: string };
  l7: { allowed: boolean; evaluated: boolean };
  reasons: Reason[];
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Policy name used in reasons when the outcome comes from a platform default, not an object. */
export const DEFAULT_POLICY = '(default)';

export function isPodPeer(peer: Peer): peer is { pod: Pod } {
  return 'pod' in peer;
}

export function peerName(peer: Peer): string {
  return isPodPeer(peer) ? `${peer.pod.namespace}/${peer.pod.name}` : peer.ip;
}

/** The IP a peer presents on the wire, when known (pods may be modelled without one). */
export function peerIp(peer: Peer): string | undefined {
  return isPodPeer(peer) ? peer.pod.ip : peer.ip;
}

export function protocolOf(conn: Connection): Protocol {
  return conn.protocol ?? 'TCP';
}

/** Objects without metadata.namespace are taken to live in `default`, as `kubectl apply` without -n would place them. */
export function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? 'default';
}

export function policyRef(obj: KubeObject): string {
  return `${obj.kind} ${namespaceOf(obj)}/${obj.metadata.name}`;
}
