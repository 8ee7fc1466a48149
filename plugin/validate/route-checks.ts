// Routing mistakes that cost a 503 or a silent misroute (istioctl IST0101, Kiali KIA1104/KIA1107).
import type { SourcePos } from '../errors.ts';
import type { Intent } from '../plan/intent.ts';
import { durationMs } from '../schema/kubernetes-names.ts';
import type { FindingList } from './finding.ts';
import type { Index } from './resolve.ts';

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

export function routeChecks(intent: Intent, ix: Index, posAt: PosAt, f: FindingList): void {
  for (const [name, route] of Object.entries(intent.platform.routes)) {
    const w = ix.workloads.get(name);
    if (!w) {
      f.error('PB104', posAt(['routes', name]), `route for unknown workload "${name}"`, 'routes are keyed by a workload name under spec.workloads');
      continue;
    }
    if (!w.mesh) f.error('PB105', posAt(['routes', name]), `route for "${name}", which has no sidecar (mesh: false)`, 'Istio routing needs the destination in the mesh');
    const subsets = Object.keys(route.subsets);
    if (route.defaultSubset && !subsets.includes(route.defaultSubset)) {
      f.error('PB103', posAt(['routes', name, 'defaultSubset']), `unknown subset "${route.defaultSubset}" (IST0101/KIA1107: traffic would get 503)`, `declare it under routes.${name}.subsets, or use one of: ${subsets.join(', ')}`);
    }
    route.http.forEach((h, i) => {
      const at = (...p: (string | number)[]) => posAt(['routes', name, 'http', i, ...p]);
      for (const s of Object.keys(h.weights)) {
        if (!subsets.includes(s)) {
          f.error('PB103', at('weights', s), `unknown subset "${s}" (IST0101/KIA1107: traffic would get 503)`, `declare it under routes.${name}.subsets, or use one of: ${subsets.join(', ') || '(none)'}`);
        }
      }
      const sum = Object.values(h.weights).reduce((a, b) => a + b, 0);
      const n = Object.keys(h.weights).length;
      if (n === 0) f.error('PB110', at('weights'), `route "${h.name}" has no destination`, 'give at least one subset a weight');
      else if (sum !== 100) f.error('PB110', at('weights'), `weights of route "${h.name}" sum to ${sum}, not 100`, 'make the weights add up to 100 (Istio would silently rescale them)');
      if (n === 1) f.warn('PB111', at('weights'), `route "${h.name}" splits to a single subset (KIA1104)`, 'a single destination needs no weight; drop the split or add the other subset');
      const timeout = h.timeout ? durationMs(h.timeout) : undefined;
      const perTry = h.retries?.perTryTimeout ? durationMs(h.retries.perTryTimeout) : undefined;
      if (timeout !== undefined && perTry !== undefined && h.retries) {
        if (timeout < perTry) {
          f.warn('PB113', at('timeout'), `route "${h.name}": timeout ${h.timeout} is shorter than perTryTimeout ${h.retries.perTryTimeout}, so no retry ever runs`, 'raise the timeout or lower perTryTimeout');
        } else if (h.retries.attempts * perTry > timeout) {
          f.warn('PB112', at('retries'), `route "${h.name}": ${h.retries.attempts} attempts × ${h.retries.perTryTimeout} exceed the timeout ${h.timeout}; later retries never run`, 'lower attempts or perTryTimeout, or raise the timeout');
        }
      }
    });
  }
}
