// Plan stage: the validated intent → the list of resources to draw. Pure; no text yet.
import type { Index } from '../validate/resolve.ts';
import type { Intent, ResolvedFlow } from './intent.ts';
import { planAuthorizationPolicies, planPeerAuthentications } from './mesh-security.ts';
import { resource } from './metadata.ts';
import { planNetworkPolicies } from './network-policies.ts';
import { SYNC_OPTIONS, type PlannedResource } from './resource.ts';
import { planRouting } from './routing.ts';

export function planBundle(intent: Intent, index: Index, flows: ResolvedFlow[]): PlannedResource[] {
  const namespaces = [...new Set(index.namespaceOf.values())].sort();
  const { policy } = intent.env;
  const out: PlannedResource[] = [];
  if (policy.manageNamespaces) {
    const labelsOf = new Map<string, Record<string, string>>();
    for (const [key, m] of Object.entries(intent.platform.modules)) {
      const ns = index.namespaceOf.get(key)!;
      labelsOf.set(ns, { ...labelsOf.get(ns), ...m.labels });
    }
    for (const ns of namespaces) {
      // Argo CD must never delete a namespace (and every workload in it) because a policy app
      // was pruned or deleted.
      const r = resource('namespace', 'Namespace', ns, ns, policy.syncWaves.namespace, {}, { [SYNC_OPTIONS]: 'Prune=false,Delete=false' });
      r.values.labels = { ...labelsOf.get(ns), ...(r.values.labels as Record<string, string>) };
      out.push(r);
    }
  }
  out.push(...planNetworkPolicies(intent, namespaces, flows));
  if (policy.mesh) {
    out.push(...planPeerAuthentications(intent, namespaces, flows));
    out.push(...planAuthorizationPolicies(intent, namespaces, flows));
    out.push(...planRouting(intent, index.workloads));
  }
  return out;
}
