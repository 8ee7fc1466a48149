// Resolves names in the intent: endpoints to workloads, modules and namespaces, port names to the
// receiving pods' container ports, monitoring to ordinary flows. Unknown names become findings.
import { someNames } from './known-names.ts';
import type { SourcePos } from '../errors.ts';
import type { Endpoint, PlatformSpec, PortRef } from '../schema/platform.ts';
import type { PortSpec, ResolvedFlow, Side, WorkloadRef } from '../plan/intent.ts';
import type { FindingList } from './finding.ts';

export interface Index {
  namespaceOf: Map<string, string>;
  workloads: Map<string, WorkloadRef>;
  workloadsByModule: Map<string, WorkloadRef[]>;
}

export function indexPlatform(spec: PlatformSpec): Index {
  const namespaceOf = new Map(Object.entries(spec.modules).map(([k, m]) => [k, m.namespace ?? k]));
  const workloads = new Map<string, WorkloadRef>();
  const workloadsByModule = new Map<string, WorkloadRef[]>();
  for (const [name, w] of Object.entries(spec.workloads)) {
    const ref: WorkloadRef = { ...w, name, namespace: namespaceOf.get(w.module) ?? w.module };
    workloads.set(name, ref);
    const list = workloadsByModule.get(w.module) ?? [];
    list.push(ref);
    workloadsByModule.set(w.module, list);
  }
  return { namespaceOf, workloads, workloadsByModule };
}

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

function resolveSide(e: Endpoint, ix: Index, path: (string | number)[], posAt: PosAt, f: FindingList): Side | undefined {
  if ('workload' in e) {
    const w = ix.workloads.get(e.workload);
    if (!w) {
      f.error('PB101', posAt([...path, 'workload']), `unknown workload "${e.workload}"`, `declare it under spec.workloads or use one of: ${someNames(ix.workloads.keys())}`);
      return undefined;
    }
    return { kind: 'workload', workload: w };
  }
  if ('module' in e) {
    const ns = ix.namespaceOf.get(e.module);
    if (!ns) {
      f.error('PB100', posAt([...path, 'module']), `unknown module "${e.module}"`, `declare it under spec.modules or use one of: ${someNames(ix.namespaceOf.keys())}`);
      return undefined;
    }
    return { kind: 'module', module: e.module, namespace: ns };
  }
  return { kind: 'cidr', cidr: e.cidr, except: e.except ?? [] };
}

/** Port name → container port numbers on the receiving side (one per distinct number). */
function resolvePort(p: PortRef, to: Side, ix: Index, pos: SourcePos | undefined, f: FindingList): PortSpec[] | undefined {
  if (typeof p === 'number') return [{ port: p }];
  const range = /^(\d+)-(\d+)$/.exec(p);
  if (range) return [{ port: Number(range[1]), endPort: Number(range[2]) }];
  const receivers = to.kind === 'workload' ? [to.workload] : to.kind === 'module' ? (ix.workloadsByModule.get(to.module) ?? []) : [];
  const numbers = [...new Set(receivers.flatMap((w) => (w.ports ?? []).filter((wp) => wp.name === p).map((wp) => wp.port)))].sort((a, b) => a - b);
  if (numbers.length === 0) {
    const where = to.kind === 'workload' ? `workload "${to.workload.name}"` : to.kind === 'module' ? `any workload of module "${to.module}"` : 'a cidr destination';
    const known = receivers.flatMap((w) => (w.ports ?? []).map((wp) => wp.name));
    f.error('PB102', pos, `unknown port name "${p}" on ${where}`, known.length ? `use a number or one of: ${[...new Set(known)].join(', ')}` : 'use a port number, or declare the port under the workload\'s ports');
    return undefined;
  }
  return numbers.map((port) => ({ port }));
}

export function resolveFlows(spec: PlatformSpec, ix: Index, posAt: PosAt, f: FindingList): ResolvedFlow[] {
  const out: ResolvedFlow[] = [];
  spec.flows.forEach((flow, i) => {
    const path = ['flows', i];
    const from = resolveSide(flow.from, ix, [...path, 'from'], posAt, f);
    const to = resolveSide(flow.to, ix, [...path, 'to'], posAt, f);
    if (!from || !to) return;
    let ports: PortSpec[] | undefined;
    if (flow.ports) {
      const resolved = flow.ports.map((p, j) => resolvePort(p, to, ix, posAt([...path, 'ports', j]), f));
      if (resolved.some((r) => !r)) return;
      ports = dedupePorts(resolved.flat() as PortSpec[]);
    }
    out.push({ id: flow.name ? `flows[${flow.name}]` : `flows[${i}]`, pos: posAt(path), from, to, ports, protocol: flow.protocol, http: flow.http });
  });
  if (spec.monitoring) out.push(...monitoringFlows(spec, ix, posAt, f));
  return out;
}

function dedupePorts(ports: PortSpec[]): PortSpec[] {
  const seen = new Map(ports.map((p) => [`${p.port}-${p.endPort ?? ''}`, p]));
  return [...seen.values()].sort((a, b) => a.port - b.port || (a.endPort ?? 0) - (b.endPort ?? 0));
}

/**
 * Monitoring is declared once and expands to one flow per scraped module (numeric ports) and one
 * per workload that declares a named metrics port, so scrapers reach metrics and nothing else.
 */
function monitoringFlows(spec: PlatformSpec, ix: Index, posAt: PosAt, f: FindingList): ResolvedFlow[] {
  const m = spec.monitoring!;
  const from = resolveSide(m.from, ix, ['monitoring', 'from'], posAt, f);
  if (!from) return [];
  const modules = m.modules ?? Object.keys(spec.modules);
  const out: ResolvedFlow[] = [];
  const http = m.paths ? { methods: ['GET'], paths: m.paths } : undefined;
  const pos = posAt(['monitoring']);
  modules.forEach((mod, i) => {
    const ns = ix.namespaceOf.get(mod);
    if (!ns) {
      f.error('PB100', posAt(['monitoring', 'modules', i]), `unknown module "${mod}"`, `use one of: ${someNames(ix.namespaceOf.keys())}`);
      return;
    }
    const numeric = m.ports.filter((p) => typeof p === 'number' || /^\d+-\d+$/.test(p));
    if (numeric.length) {
      const to: Side = { kind: 'module', module: mod, namespace: ns };
      const ports = numeric.flatMap((p) => resolvePort(p, to, ix, pos, f) ?? []);
      out.push({ id: 'monitoring', pos, from, to, ports: dedupePorts(ports), protocol: 'TCP', http });
    }
    const names = m.ports.filter((p): p is string => typeof p === 'string' && !/^\d/.test(p));
    for (const w of ix.workloadsByModule.get(mod) ?? []) {
      const ports = (w.ports ?? []).filter((wp) => names.includes(wp.name)).map((wp) => ({ port: wp.port }));
      if (ports.length) out.push({ id: 'monitoring', pos, from, to: { kind: 'workload', workload: w }, ports: dedupePorts(ports), protocol: 'TCP', http });
    }
  });
  return out;
}
