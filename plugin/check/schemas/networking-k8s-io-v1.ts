// One chunk of the bundle: loaded by ../schema-validation.ts when a resource of these kinds is checked.
export { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
