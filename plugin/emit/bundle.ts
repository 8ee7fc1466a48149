// Emit stage: the checked resources as one YAML stream, sorted by sync wave, kind, namespace and
// name (SPEC.md), so identical inputs give identical bytes.
import type { CheckedResource } from '../check/check.ts';
import { writeDocument } from './yaml-writer.ts';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function sortResources<T extends Pick<CheckedResource, 'wave' | 'kind' | 'namespace' | 'name'>>(rs: T[]): T[] {
  return [...rs].sort((a, b) => a.wave - b.wave || cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}

export function emitBundle(resources: CheckedResource[]): string {
  return sortResources(resources)
    .map((r) => '---\n' + writeDocument(r.object))
    .join('');
}
