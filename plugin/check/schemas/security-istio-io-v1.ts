// One chunk of the bundle: loaded by ../schema-validation.ts when a resource of these kinds is checked.
export { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
