// Entry point: one connection through L3/L4 (NetworkPolicy), mTLS
// (PeerAuthentication) and L7 (AuthorizationPolicy). Each layer is evaluated
// even when an earlier one already refuses, so `explain` can show every fix
// needed rather than only the first blocker; `allowed` is their conjunction.
import { evaluateNetworkPolicies, indexNetworkPolicies, type NetworkPolicyIndex } from './network-policy.ts';
import { evaluatePeerAuthentication, indexPeerAuthentications, type PeerAuthenticationIndex } from './peer-authentication.ts';
import { authzRequest, evaluateAuthorization, indexAuthorizationPolicies, type AuthorizationPolicyIndex } from './authorization-policy.ts';
import { isPodPeer, type Cluster, type Connection, type Verdict } from './model.ts';

export interface ClusterIndex {
  readonly kind: 'ClusterIndex';
  readonly cluster: Cluster;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  readonly networkPolicies: NetworkPolicyIndex;
  readonly peerAuthentications: PeerAuthenticationIndex;
  readonly authorizationPolicies: AuthorizationPolicyIndex;
}

/**
 * Compile every policy once and group it by namespace. Build it once per
 * cluster snapshot and pass it to `evaluate` for bulk queries; the index does
 * not observe later mutation of `cluster`.
 */
export function indexCluster(cluster: Cluster): ClusterIndex {
  const trustDomain = cluster.trustDomain ?? 'cluster.local';
  const rootNamespace = cluster.rootNamespace ?? 'istio-system';
  return {
    kind: 'ClusterIndex',
    cluster,
    trustDomain,
    rootNamespace,
    networkPolicies: indexNetworkPolicies(cluster.objects, cluster.namespaces),
    peerAuthentications: indexPeerAuthentications(cluster.objects, rootNamespace),
    authorizationPolicies: indexAuthorizationPolicies(cluster.objects, rootNamespace, trustDomain),
  };
}

function isIndex(x: Cluster | ClusterIndex): x is ClusterIndex {
  return (x as ClusterIndex).kind === 'ClusterIndex';
}

/**
 * Decide one connection. Passing a raw Cluster indexes it for this call only
 * (no hidden cache that could go stale); pass `indexCluster(cluster)` when
 * evaluating many connections.
 */
export function evaluate(clusterOrIndex: Cluster | ClusterIndex, conn: Connection): Verdict {
  const index = isIndex(clusterOrIndex) ? clusterOrIndex : indexCluster(clusterOrIndex);

  const l4 = evaluateNetworkPolicies(index.networkPolicies, conn);
  const mtls = evaluatePeerAuthentication(index.peerAuthentications, conn);

  let l7 = { allowed: true, evaluated: false };
  const reasons = [...l4.reasons, ...mtls.reasons];
  // mtls.applies <=> destination is a mesh pod and the connection is TCP, the same gate as L7.
  if (mtls.applies && isPodPeer(conn.to)) {
    const req = authzRequest(index.authorizationPolicies, conn, conn.to.pod, mtls.mtlsUsed);
    const az = evaluateAuthorization(index.authorizationPolicies, req);
    l7 = { allowed: az.allowed, evaluated: true };
    reasons.push(...az.reasons);
  }

  return {
    allowed: l4.allowed && mtls.allowed && l7.allowed,
    l4: { allowed: l4.allowed },
    mtls: { allowed: mtls.allowed, mode: mtls.mode },
    l7,
    reasons,
  };
}
