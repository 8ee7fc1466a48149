// Flows that render but do not say what they seem to: duplicates and flows another flow already
// covers, CIDRs Kubernetes reads differently or rejects, and http that nothing can enforce.
// Codes PB130-PB135 (docs/codes.md).
import type { SourcePos } from '../errors.ts';
import type { Intent, PortSpec, ResolvedFlow, Side } from '../plan/intent.ts';
import type { Endpoint, Flow } from '../schema/platform.ts';
import type { FindingList } from './finding.ts';
import { canonicalCidr, cidrStrictlyInside, parseCidrText } from './net.ts';

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

/** The resolved flow of spec.flows[i] (undefined where a name did not resolve). */
export function resolvedByIndex(flows: Flow[], resolved: ResolvedFlow[]): (ResolvedFlow | undefined)[] {
  const byId = new Map<string, ResolvedFlow>();
  for (const r of resolved) if (r.id !== 'monitoring' && !byId.has(r.id)) byId.set(r.id, r);
  return flows.map((f, i) => byId.get(f.name ? `flows[${f.name}]` : `flows[${i}]`));
}

export function flowChecks(intent: Intent, resolved: ResolvedFlow[], posAt: PosAt, f: FindingList): void {
  const flows = intent.platform.flows;
  const byIndex = resolvedByIndex(flows, resolved);
  flows.forEach((flow, i) => {
    cidrChecks(flow.from, ['flows', i, 'from'], posAt, f);
    cidrChecks(flow.to, ['flows', i, 'to'], posAt, f);
    l7Checks(flow, byIndex[i], i, posAt, f);
  });
  overlapChecks(byIndex, posAt, f);
}

// ---- CIDRs (PB132 host bits, PB133 except outside the cidr) ----

function cidrChecks(e: Endpoint, path: (string | number)[], posAt: PosAt, f: FindingList): void {
  if (!('cidr' in e)) return;
  const hostBits = (text: string, at: (string | number)[]) => {
    const canonical = canonicalCidr(text);
    if (canonical && canonical !== text && parseCidrText(text)?.hostBits) {
      const single = `${text.split('/')[0]}/${text.includes(':') ? 128 : 32}`;
      f.warn('PB132', posAt(at), `${text} has host bits set: Kubernetes and Istio read it as ${canonical}`, `write ${canonical} (or ${single} for the single address); newer Kubernetes releases reject such values (KEP-4858)`);
    }
  };
  hostBits(e.cidr, [...path, 'cidr']);
  const outer = parseCidrText(e.cidr);
  (e.except ?? []).forEach((x, k) => {
    const at = [...path, 'except', k];
    hostBits(x, at);
    const inner = parseCidrText(x);
    if (!outer || !inner) return;
    if (!cidrStrictlyInside(inner, outer)) {
      const why = inner.family !== outer.family ? `is IPv${inner.family}, cidr ${e.cidr} is IPv${outer.family}` : `is not a smaller block inside cidr ${e.cidr}`;
      f.error('PB133', posAt(at), `except ${x} ${why}: Kubernetes rejects the NetworkPolicy (except must be a strict subset of cidr)`, `make each except a smaller block inside ${canonicalCidr(e.cidr) ?? e.cidr}, or drop it`);
    }
  });
}

// ---- L7 on a flow (PB134 range with http, PB135 http nothing can enforce) ----

function l7Checks(flow: Flow, r: ResolvedFlow | undefined, i: number, posAt: PosAt, f: FindingList): void {
  const http = flow.http && (flow.http.methods?.length || flow.http.paths?.length) ? flow.http : undefined;
  if (!http) return;
  const id = flow.name ? `flows[${flow.name}]` : `flows[${i}]`;
  const at = posAt(['flows', i, 'http']);
  let why: string | undefined;
  if (flow.protocol !== 'TCP') why = `protocol ${flow.protocol} bypasses the sidecar; methods and paths apply to TCP (HTTP) only`;
  else if ('cidr' in flow.to) why = 'a cidr destination is outside the mesh: no sidecar there enforces methods or paths';
  else if (r?.to.kind === 'workload' && !r.to.workload.mesh) why = `destination "${r.to.workload.name}" has no sidecar (mesh: false): nothing enforces methods or paths`;
  if (why) {
    f.warn('PB135', at, `${id}: http is set, but ${why}`, 'drop http (the flow is L3/L4 only), or point the flow at a workload in the mesh over TCP');
    return;
  }
  (flow.ports ?? []).forEach((p, j) => {
    if (typeof p === 'string' && /^\d+-\d+$/.test(p)) {
      f.warn('PB134', posAt(['flows', i, 'ports', j]), `${id}: port range ${p} with http: Istio AuthorizationPolicy ports cannot express ranges, so the methods and paths apply on every port of the destination`, 'list the L7 ports one by one, or split the flow: the range without http, the HTTP port(s) with it');
    }
  });
}

// ---- Overlap between flows (PB130 duplicate, PB131 covered by another flow) ----

function sideKey(s: Side): string {
  switch (s.kind) {
    case 'workload':
      return `w:${s.workload.name}`;
    case 'module':
      return `m:${s.module}`;
    case 'cidr':
      return `c:${canonicalCidr(s.cidr) ?? s.cidr}-${s.except.map((x) => canonicalCidr(x) ?? x).sort().join(',')}`;
  }
}

function normHttp(r: ResolvedFlow): { methods?: Set<string>; paths?: string[] } | undefined {
  const h = r.http;
  if (!h || (!h.methods?.length && !h.paths?.length)) return undefined;
  return { methods: h.methods?.length ? new Set(h.methods) : undefined, paths: h.paths?.length ? h.paths : undefined };
}

/** Every path pattern `a` matches is matched by `b` (exact, "prefix*", "*suffix", "*"). */
export function pathCovers(b: string, a: string): boolean {
  if (b === '*' || b === a) return true;
  if (a === '*') return false;
  if (b.endsWith('*')) {
    const p = b.slice(0, -1);
    return !a.startsWith('*') && (a.endsWith('*') ? a.slice(0, -1) : a).startsWith(p);
  }
  if (b.startsWith('*')) {
    const s = b.slice(1);
    return !a.endsWith('*') && (a.startsWith('*') ? a.slice(1) : a).endsWith(s);
  }
  return false;
}

function httpCovers(b: ReturnType<typeof normHttp>, a: ReturnType<typeof normHttp>): boolean {
  if (!b) return true;
  if (!a) return false;
  if (b.methods && (!a.methods || [...a.methods].some((m) => !b.methods!.has(m)))) return false;
  if (b.paths && (!a.paths || a.paths.some((p) => !b.paths!.some((q) => pathCovers(q, p))))) return false;
  return true;
}

function portsCover(b: PortSpec[] | undefined, a: PortSpec[] | undefined): boolean {
  if (!b) return true;
  if (!a) return false;
  const merged: [number, number][] = [];
  for (const p of [...b].sort((x, y) => x.port - y.port)) {
    const end = p.endPort ?? p.port;
    const last = merged[merged.length - 1];
    if (last && p.port <= last[1] + 1) last[1] = Math.max(last[1], end);
    else merged.push([p.port, end]);
  }
  return a.every((p) => merged.some(([lo, hi]) => lo <= p.port && (p.endPort ?? p.port) <= hi));
}

/** Everything `a` allows, `b` allows too. */
function covers(b: ResolvedFlow, a: ResolvedFlow): boolean {
  return a.protocol === b.protocol && portsCover(b.ports, a.ports) && httpCovers(normHttp(b), normHttp(a));
}

/** Pairwise shadow checks stop at this many flows between the same two endpoints (cost bound). */
const MAX_PAIRWISE = 64;

/** Same endpoints, protocol, ports and http (as sets): the identity of what a flow allows. */
function allowsKey(r: ResolvedFlow): string {
  const h = normHttp(r);
  return JSON.stringify([r.protocol, r.ports ?? null, h ? [[...(h.methods ?? [])].sort(), [...(h.paths ?? [])].sort()] : null]);
}

function overlapChecks(flows: (ResolvedFlow | undefined)[], posAt: PosAt, f: FindingList): void {
  const groups = new Map<string, number[]>();
  flows.forEach((r, i) => {
    if (!r) return;
    const k = `${sideKey(r.from)}>${sideKey(r.to)}`;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  for (const idx of groups.values()) {
    // Duplicates by hashing (linear); shadowing pairwise, within a bounded group size.
    const first = new Map<string, number>();
    const distinct: number[] = [];
    for (const i of idx) {
      const a = flows[i]!;
      const key = allowsKey(a);
      const dup = first.get(key);
      if (dup !== undefined) {
        f.warn('PB130', posAt(['flows', i]), `${a.id} duplicates ${flows[dup]!.id}: same endpoints, protocol, ports and http`, `remove one of them; to change a flow per environment, patch it by name in the overlay`);
        continue;
      }
      first.set(key, i);
      distinct.push(i);
    }
    if (distinct.length > MAX_PAIRWISE) continue;
    for (const i of distinct) {
      const a = flows[i]!;
      const by = distinct.find((j) => j !== i && covers(flows[j]!, a) && !covers(a, flows[j]!));
      if (by !== undefined) {
        f.warn('PB131', posAt(['flows', i]), `${a.id} allows nothing that ${flows[by]!.id} does not already allow (same endpoints and protocol, ${describe(flows[by]!)})`, `remove ${a.id}, or narrow ${flows[by]!.id} if the narrower rule was the intent`);
      }
    }
  }
}

function describe(r: ResolvedFlow): string {
  const ports = r.ports ? `ports ${r.ports.map((p) => (p.endPort ? `${p.port}-${p.endPort}` : String(p.port))).join(', ')}` : 'every port';
  const h = normHttp(r);
  return h ? `${ports}, http ${[...(h.methods ?? ['any method'])].join('|')} ${(h.paths ?? ['any path']).join('|')}` : `${ports}, no http restriction`;
}
