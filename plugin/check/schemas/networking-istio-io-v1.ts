// One chunk of the bundle: loaded by ../schema-validation.ts when a resource of these kinds is checked.
export { DestinationRule, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
