// L7 routing: a DestinationRule (subsets, ISTIO_MUTUAL under STRICT) and a VirtualService (match,
// weights, timeout, retries) per route. Subsets exist before use: the DestinationRule's wave is
// earlier (make-before-break, istio/istio#6335).
import type { HttpRoute, Route } from '../schema/platform.ts';
import type { Intent, WorkloadRef } from './intent.ts';
import { resource } from './metadata.ts';
import type { PlannedResource } from './resource.ts';

function httpRoute(h: HttpRoute, host: string): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (h.match?.prefix) match.uri = { prefix: h.match.prefix };
  if (h.match?.exact) match.uri = { exact: h.match.exact };
  const out: Record<string, unknown> = { name: h.name };
  if (Object.keys(match).length) out.match = [match];
  if (h.match?.methods?.length) {
    out.match = h.match.methods.map((m) => ({ ...match, method: { exact: m } }));
  }
  // Sorted by subset so a reordered map renders the same bytes.
  out.route = Object.keys(h.weights)
    .sort()
    .map((subset) => ({ destination: { host, subset }, weight: h.weights[subset] }));
  if (h.timeout) out.timeout = h.timeout;
  if (h.retries) out.retries = { ...h.retries };
  return out;
}

export function planRouting(intent: Intent, workloads: Map<string, WorkloadRef>): PlannedResource[] {
  const { syncWaves, mtls } = intent.env.policy;
  const api = intent.istio.networking;
  const out: PlannedResource[] = [];
  for (const name of Object.keys(intent.platform.routes).sort()) {
    const route: Route = intent.platform.routes[name]!;
    const w = workloads.get(name)!;
    const host = `${route.service ?? name}.${w.namespace}.svc.${intent.platform.clusterDomain}`;
    const subsets = Object.keys(route.subsets)
      .sort()
      .map((s) => ({ name: s, labels: route.subsets[s] }));
    out.push(
      resource('destination-rule', 'DestinationRule', w.namespace, name, syncWaves.destinationRule, {
        apiVersion: api,
        host,
        trafficPolicy: mtls === 'STRICT' ? { tls: { mode: 'ISTIO_MUTUAL' } } : null,
        subsets,
      }),
    );
    const http = route.http.map((h) => httpRoute(h, host));
    // Requests matching no named route must still reach the service, not 404 (NR).
    if (route.http.every((h) => h.match)) {
      const destination = route.defaultSubset ? { host, subset: route.defaultSubset } : { host };
      http.push({ name: 'default', route: [{ destination }] });
    }
    out.push(resource('virtual-service', 'VirtualService', w.namespace, name, syncWaves.virtualService, { apiVersion: api, hosts: [host], http }));
  }
  return out;
}
