// What the plan hands to the render stage: one entry per resource, the template that draws it and
// the values it may use. Every key a template may read is present (null when absent), because
// templates run in Handlebars strict mode.

export type TemplateName =
  | 'namespace'
  | 'network-policy'
  | 'peer-authentication'
  | 'authorization-policy'
  | 'destination-rule'
  | 'virtual-service';

export type ResourceKind = 'Namespace' | 'NetworkPolicy' | 'PeerAuthentication' | 'AuthorizationPolicy' | 'DestinationRule' | 'VirtualService';

export interface PlannedResource {
  template: TemplateName;
  kind: ResourceKind;
  namespace: string;
  name: string;
  wave: number;
  values: Record<string, unknown>;
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'policy-bundle' } as const;
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const ISTIO_SYNC_OPTIONS = 'SkipDryRunOnMissingResource=true';
export const DRY_RUN = 'istio.io/dry-run';
