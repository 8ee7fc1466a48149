// Istio PeerAuthentication: effective mTLS mode of a destination workload port,
// and whether a given source can connect under it.
//
// Resolution mirrors istiod's ComposePeerAuthentication
// (pilot/pkg/security/authn/policy_applier.go):
// - policies with no selector or empty matchLabels are namespace-level, or
//   mesh-level when they live in the root namespace;
// - selector policies are workload-level, but only outside the root namespace
//   (istiod ignores selector policies in the root namespace, even for root-namespace pods);
// - several policies at one level: the oldest (metadata.creationTimestamp) wins;
//   without timestamps we fall back to name order and say so in an info reason;
// - mesh -> namespace -> workload, each non-UNSET mode overriding its parent,
//   default PERMISSIVE; portLevelMtls is honoured on the workload policy only,
//   keyed by the workload (container) port, UNSET inheriting the workload mode.
// Client side: a mesh source uses auto mTLS unless the server port is DISABLE
// (istiod's cluster builder sends plaintext to MTLSDisable), so only a mesh
// source talking to a non-DISABLE port carries a peer identity.
import { compileSelector, type LabelMatcher } from './label-selector.ts';
import {
  DEFAULT_POLICY, isPodPeer, namespaceOf, peerName, policyRef, protocolOf,
  type Connection, type KubeObject, type Pod, type Reason,
} from './model.ts';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

interface CompiledPeerAuthentication {
  ref: string;
  namespace: string;
  name: string;
  created?: string;
  /** Undefined = namespace-wide (or mesh-wide in the root namespace). */
  selects?: LabelMatcher;
  /** Undefined = UNSET (inherit). */
  mode?: MtlsMode;
  portLevel: Map<number, MtlsMode | undefined>;
}

export interface PeerAuthenticationIndex {
  rootNamespace: string;
  byNamespace: Map<string, CompiledPeerAuthentication[]>;
}

export interface EffectiveMtls { mode: MtlsMode; policy: string; level: 'port' | 'workload' | 'namespace' | 'mesh' | 'default'; reasons: Reason[] }

export interface MtlsResult {
  /** False when the destination is not a TCP port of a mesh pod: no sidecar terminates the connection. */
  applies: boolean;
  allowed: boolean;
  mode: MtlsMode | 'none';
  /** Whether the connection is mutual TLS, i.e. whether Istio knows the source identity. */
  mtlsUsed: boolean;
  reasons: Reason[];
}

const SECURITY_API = new Set(['security.istio.io/v1', 'security.istio.io/v1beta1']);

function parseMode(v: unknown): MtlsMode | undefined {
  return v === 'STRICT' || v === 'PERMISSIVE' || v === 'DISABLE' ? v : undefined;
}

export function indexPeerAuthentications(objects: KubeObject[], rootNamespace: string): PeerAuthenticationIndex {
  const byNamespace = new Map<string, CompiledPeerAuthentication[]>();
  for (const obj of objects) {
    if (obj.kind !== 'PeerAuthentication' || !SECURITY_API.has(obj.apiVersion)) continue;
    const spec = obj.spec ?? {};
    const labels = spec.selector?.matchLabels ?? {};
    const portLevel = new Map<number, MtlsMode | undefined>();
    for (const [k, v] of Object.entries(spec.portLevelMtls ?? {})) portLevel.set(Number(k), parseMode((v as any)?.mode));
    const p: CompiledPeerAuthentication = {
      ref: policyRef(obj),
      namespace: namespaceOf(obj),
      name: obj.metadata.name,
      created: (obj.metadata as { creationTimestamp?: string }).creationTimestamp,
      selects: Object.keys(labels).length > 0 ? compileSelector({ matchLabels: labels }) : undefined,
      mode: parseMode(spec.mtls?.mode),
      portLevel,
    };
    const list = byNamespace.get(p.namespace) ?? [];
    list.push(p);
    byNamespace.set(p.namespace, list);
  }
  return { rootNamespace, byNamespace };
}

/** Oldest first; RFC 3339 timestamps sort lexically. Missing timestamps sort last, then by name. */
function oldest(list: CompiledPeerAuthentication[], level: string, reasons: Reason[]): CompiledPeerAuthentication | undefined {
  if (list.length <= 1) return list[0];
  const sorted = [...list].sort((a, b) => {
    if (a.created !== b.created) {
      if (a.created === undefined) return 1;
      if (b.created === undefined) return -1;
      return a.created < b.created ? -1 : 1;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const winner = sorted[0]!;
  reasons.push({
    layer: 'mTLS', policy: winner.ref, effect: 'info',
    text: `${list.length} ${level}-level PeerAuthentications apply; Istio uses only the oldest (${winner.created ? 'by creationTimestamp' : 'no creationTimestamp, name order assumed'}): ${list.map((p) => p.ref).join(', ')}`,
  });
  return winner;
}

export function effectiveMtls(index: PeerAuthenticationIndex, pod: Pod, port: number): EffectiveMtls {
  const reasons: Reason[] = [];
  const root = index.rootNamespace;
  const mesh = oldest((index.byNamespace.get(root) ?? []).filter((p) => !p.selects), 'mesh', reasons);
  const own = pod.namespace === root ? [] : index.byNamespace.get(pod.namespace) ?? [];
  const ns = oldest(own.filter((p) => !p.selects), 'namespace', reasons);
  const wl = oldest(own.filter((p) => p.selects?.(pod.labels)), 'workload', reasons);

  let result: EffectiveMtls = { mode: 'PERMISSIVE', policy: DEFAULT_POLICY, level: 'default', reasons };
  if (mesh?.mode) result = { ...result, mode: mesh.mode, policy: mesh.ref, level: 'mesh' };
  if (ns?.mode) result = { ...result, mode: ns.mode, policy: ns.ref, level: 'namespace' };
  if (wl?.mode) result = { ...result, mode: wl.mode, policy: wl.ref, level: 'workload' };
  if (wl?.portLevel.has(port)) {
    result = { ...result, mode: wl.portLevel.get(port) ?? result.mode, policy: wl.ref, level: 'port' };
  }
  return result;
}

/** mTLS layer verdict: only a plaintext client hitting a STRICT port is rejected. */
export function evaluatePeerAuthentication(index: PeerAuthenticationIndex, conn: Connection): MtlsResult {
  const dst = isPodPeer(conn.to) ? conn.to.pod : undefined;
  if (!dst || !dst.inMesh || protocolOf(conn) !== 'TCP') {
    const why = !dst ? `${peerName(conn.to)} is outside the cluster` : !dst.inMesh ? `${peerName(conn.to)} has no sidecar` : `sidecars do not intercept ${protocolOf(conn)}`;
    return {
      applies: false, allowed: true, mode: 'none', mtlsUsed: false,
      reasons: [{ layer: 'mTLS', policy: DEFAULT_POLICY, effect: 'info', text: `no mTLS/authorization checks: ${why}` }],
    };
  }
  const eff = effectiveMtls(index, dst, conn.port);
  const srcInMesh = isPodPeer(conn.from) && conn.from.pod.inMesh;
  const mtlsUsed = srcInMesh && eff.mode !== 'DISABLE';
  const target = `${dst.namespace}/${dst.name} port ${conn.port}`;
  const src = peerName(conn.from);
  const reasons = [...eff.reasons];
  const transport = mtlsUsed
    ? `${src} uses mTLS (auto mTLS)`
    : srcInMesh ? `${src} sends plaintext (auto mTLS is off towards DISABLE)` : `${src} is outside the mesh and sends plaintext`;
  if (eff.mode === 'STRICT' && !mtlsUsed) {
    reasons.push({ layer: 'mTLS', policy: eff.policy, effect: 'deny', text: `${target} is STRICT (${eff.level}-level); ${transport}` });
    return { applies: true, allowed: false, mode: eff.mode, mtlsUsed, reasons };
  }
  reasons.push({ layer: 'mTLS', policy: eff.policy, effect: eff.policy === DEFAULT_POLICY ? 'info' : 'allow', text: `${target} is ${eff.mode} (${eff.level}-level); ${transport}` });
  return { applies: true, allowed: true, mode: eff.mode, mtlsUsed, reasons };
}
