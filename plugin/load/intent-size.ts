// Count limits on the composed intent (platform.yaml with every overlay's patch applied), checked
// before validation so an oversized platform is refused with one clear message instead of costing
// the validator, the planner and the renderer time and memory in proportion to its size.
import { UserError, type Problem } from '../errors.ts';
import type { Limits } from './limits.ts';
import { posAt } from './located.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const size = (v: unknown): number => (Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : 0);

const HINT = 'split the platform into several repositories or Applications, or raise the limit if this platform really is this large (docs/limits.md)';
const MAX_SHOWN = 20;

function pathText(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Throws when the composed platform spec has more modules, workloads, flows or routes than the
 * limits allow, or when a list or map inside one of them is longer than `maxListItems`.
 * `file` is where the problem is reported when the spec carries no position.
 */
export function checkIntentSize(spec: unknown, limits: Limits, file: string): void {
  if (!isObj(spec)) return;
  const problems: Problem[] = [];
  const at = (path: (string | number)[]) => posAt(spec, path) ?? { file, line: 1, column: 1 };

  const top: [key: string, what: string, limit: number][] = [
    ['modules', 'modules', limits.maxModules],
    ['workloads', 'workloads', limits.maxWorkloads],
    ['flows', 'flows', limits.maxFlows],
    ['routes', 'routes', limits.maxWorkloads],
  ];
  for (const [key, what, limit] of top) {
    const n = size(spec[key]);
    if (n > limit) problems.push({ pos: at([key]), message: `spec.${key}: ${n} ${what}, over the limit of ${limit}`, hint: HINT });
  }
  if (problems.length) throw new UserError(problems);

  // Inside one item: every list and map is short (ports, paths, methods, except, labels, ...).
  // One path, extended and cut back as the walk goes (a copy only for a problem): the walk visits
  // every value of the platform, 100 000 of them in a 2 000-workload one.
  const path: (string | number)[] = [];
  const walk = (v: unknown) => {
    if (problems.length >= MAX_SHOWN || typeof v !== 'object' || v === null) return;
    const list = Array.isArray(v);
    const keys = list ? undefined : Object.keys(v);
    const n = list ? v.length : keys!.length;
    const limit = path.length === 2 && path[0] === 'monitoring' && path[1] === 'modules' ? limits.maxModules : limits.maxListItems;
    if (n > limit) {
      problems.push({ pos: at([...path]), message: `spec.${pathText(path)}: ${n} items, over the limit of ${limit}`, hint: 'list fewer items, or split the entry in two (docs/limits.md)' });
      return;
    }
    for (let i = 0; i < n; i++) {
      const k = list ? i : keys![i]!;
      path.push(k);
      walk((v as Record<string | number, unknown>)[k]);
      path.pop();
    }
  };
  const walkAt = (v: unknown, ...at: (string | number)[]) => {
    path.push(...at);
    walk(v);
    path.length = 0;
  };
  for (const [key] of top) {
    const items = spec[key];
    if (Array.isArray(items)) items.forEach((item, i) => walkAt(item, key, i));
    else if (isObj(items)) for (const [k, item] of Object.entries(items)) walkAt(item, key, k);
  }
  if (spec.monitoring !== undefined) walkAt(spec.monitoring, 'monitoring');
  if (problems.length) throw new UserError(problems);
}
