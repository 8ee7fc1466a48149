// Every rendered resource is validated against the real Kubernetes / Istio schemas for the API
// version emitted, with kubernetes-models' precompiled validators (no schema compiled at run time).
import { AuthorizationPolicy as AuthorizationPolicyV1, PeerAuthentication as PeerAuthenticationV1 } from '@kubernetes-models/istio/security.istio.io/v1';
import { AuthorizationPolicy as AuthorizationPolicyV1beta1, PeerAuthentication as PeerAuthenticationV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1';
import { DestinationRule as DestinationRuleV1, VirtualService as VirtualServiceV1 } from '@kubernetes-models/istio/networking.istio.io/v1';
import { DestinationRule as DestinationRuleV1beta1, VirtualService as VirtualServiceV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace } from 'kubernetes-models/v1';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'security.istio.io/v1/PeerAuthentication': PeerAuthenticationV1 as unknown as Model,
  'security.istio.io/v1beta1/PeerAuthentication': PeerAuthenticationV1beta1 as unknown as Model,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicyV1 as unknown as Model,
  'security.istio.io/v1beta1/AuthorizationPolicy': AuthorizationPolicyV1beta1 as unknown as Model,
  'networking.istio.io/v1/DestinationRule': DestinationRuleV1 as unknown as Model,
  'networking.istio.io/v1beta1/DestinationRule': DestinationRuleV1beta1 as unknown as Model,
  'networking.istio.io/v1/VirtualService': VirtualServiceV1 as unknown as Model,
  'networking.istio.io/v1beta1/VirtualService': VirtualServiceV1beta1 as unknown as Model,
};

/** Problems as `spec/ingress/0/ports/0/port must be integer`, one per line; [] when valid. */
export function schemaProblems(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
  const model = MODELS[`${String(obj.apiVersion)}/${String(obj.kind)}`];
  if (!model) return [`no schema for ${String(obj.apiVersion)} ${String(obj.kind)}`];
  try {
    new model(obj as never).validate();
    return [];
  } catch (e) {
    return (e as Error).message
      .split(/, (?=data)/)
      .map((m) => m.replace(/^data\/?/, '').trim())
      .filter(Boolean);
  }
}
