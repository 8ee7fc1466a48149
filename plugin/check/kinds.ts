// The only kinds the plugin ever emits, with the API versions each may carry.
import type { ResourceKind } from '../plan/resource.ts';

export const KIND_API_VERSIONS: Record<ResourceKind, string[]> = {
  Namespace: ['v1'],
  NetworkPolicy: ['networking.k8s.io/v1'],
  PeerAuthentication: ['security.istio.io/v1', 'security.istio.io/v1beta1'],
  AuthorizationPolicy: ['security.istio.io/v1', 'security.istio.io/v1beta1'],
  DestinationRule: ['networking.istio.io/v1', 'networking.istio.io/v1beta1'],
  VirtualService: ['networking.istio.io/v1', 'networking.istio.io/v1beta1'],
};

/** Argo CD sets these itself (CMP-CONTRACT.md); a plugin must not. */
export const FORBIDDEN_LABELS = ['app.kubernetes.io/instance'];
export const FORBIDDEN_ANNOTATIONS = ['argocd.argoproj.io/tracking-id'];
