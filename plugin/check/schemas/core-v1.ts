// One chunk of the bundle: loaded by ../schema-validation.ts when a resource of these kinds is checked.
export { Namespace } from 'kubernetes-models/v1';
