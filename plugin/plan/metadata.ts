// Labels and annotations every resource carries (SPEC.md output conventions).
import { ISTIO_SYNC_OPTIONS, MANAGED_BY, SYNC_OPTIONS, SYNC_WAVE, type PlannedResource, type ResourceKind, type TemplateName } from './resource.ts';

const ISTIO_KINDS = new Set<ResourceKind>(['PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'VirtualService']);

export function resource(
  template: TemplateName,
  kind: ResourceKind,
  namespace: string,
  name: string,
  wave: number,
  values: Record<string, unknown>,
  extraAnnotations: Record<string, string> = {},
): PlannedResource {
  const annotations: Record<string, string> = { [SYNC_WAVE]: String(wave), ...extraAnnotations };
  // Istio CRDs may not exist at the app's dry run; let those resources wait for them (argo-cd#6489).
  if (ISTIO_KINDS.has(kind)) annotations[SYNC_OPTIONS] = ISTIO_SYNC_OPTIONS;
  return {
    template,
    kind,
    namespace,
    name,
    wave,
    values: { name, namespace, labels: { ...MANAGED_BY }, annotations, ...values },
  };
}
