// Checks of the environment's policy against the intent: identities that need mTLS where it is not
// STRICT (PB120, PB124), a strict environment without its carve-outs (PB140), monitoring of port
// names nobody declares (PB141). Codes in docs/codes.md.
import type { SourcePos } from '../errors.ts';
import type { Intent, ResolvedFlow } from '../plan/intent.ts';
import type { FindingList } from './finding.ts';
import { resolvedByIndex } from './flow-checks.ts';
import type { Index } from './resolve.ts';

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

/** Where the environment's policy knobs were set; undefined when the caller has no positions. */
export type PolicyPosAt = (path: string[]) => SourcePos | undefined;

const envFile = (intent: Intent) => `environments/${intent.env.name}.yaml`;

/**
 * principals (workload sources) and namespaces (module sources) are mTLS-only fields: a plaintext
 * request carries neither, so an ALLOW rule on them never matches it (Kiali KIA0105,
 * ISTIO-SECURITY-2021-004). Where authorization is enforced and mTLS is not STRICT, callers whose
 * traffic arrives in plaintext are denied although the intent allows them. Dry-run denies nothing.
 */
export function identityChecks(intent: Intent, flows: ResolvedFlow[], posAt: PosAt, f: FindingList): void {
  const { policy } = intent.env;
  if (!policy.mesh || policy.authorization !== 'enforce' || policy.mtls === 'STRICT') return;
  const byIndex = resolvedByIndex(intent.platform.flows, flows);
  const fromPos = new Map<ResolvedFlow, SourcePos | undefined>();
  byIndex.forEach((r, i) => r && fromPos.set(r, posAt(['flows', i, 'from'])));
  const seen = new Set<string>();
  for (const flow of flows) {
    const { from, to } = flow;
    const destInMesh = to.kind === 'module' || (to.kind === 'workload' && to.workload.mesh);
    if (!destInMesh || flow.protocol !== 'TCP' || from.kind === 'cidr') continue;
    const pos = fromPos.get(flow) ?? (flow.id === 'monitoring' ? posAt(['monitoring', 'from']) : flow.pos);
    const key = `${flow.id}|${from.kind === 'workload' ? from.workload.name : from.module}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (from.kind === 'workload' && !from.workload.mesh) {
      f.error('PB124', pos, `${flow.id}: "${from.workload.name}" has no sidecar (mesh: false), so its requests are plaintext and carry no principal; with authorization enforced in environment "${intent.env.name}" they are always denied`, `put the source in the mesh, describe it as a cidr endpoint, or set policy.authorization: dry-run in ${envFile(intent)}`);
      continue;
    }
    const field = from.kind === 'workload' ? `principal (${from.workload.name})` : `namespace (${from.module})`;
    f.warn('PB120', pos, `${flow.id}: callers are admitted by ${field}, which needs mTLS, but environment "${intent.env.name}" has mTLS ${policy.mtls} with authorization enforced: plaintext requests match no rule and are denied (KIA0105)`, `set policy.mtls: STRICT in ${envFile(intent)}, or authorization: dry-run until every caller has a sidecar`);
  }
}

/** A strict (default-deny egress) environment must keep DNS and, with the mesh, istiod reachable. */
export function carveOutChecks(intent: Intent, policyPos: PolicyPosAt | undefined, f: FindingList): void {
  const { policy, name } = intent.env;
  if (!policy.defaultDeny.egress) return;
  const at = (k: string) => policyPos?.(['carveOuts', k]) ?? policyPos?.(['carveOuts']) ?? { file: intent.env.chain[0] ?? envFile(intent), line: 1, column: 1 };
  if (!policy.carveOuts.dns) {
    f.warn('PB140', at('dns'), `environment "${name}" denies egress by default and turns off the DNS carve-out: pods cannot resolve names (UDP and TCP 53 to kube-dns)`, `remove carveOuts.dns: false from ${envFile(intent)}, unless the cluster allows DNS another way (a cluster-wide CNI policy)`);
  }
  if (policy.mesh && !policy.carveOuts.istiod) {
    f.warn('PB140', at('istiod'), `environment "${name}" denies egress by default and turns off the istiod carve-out: sidecars cannot fetch configuration or certificates (TCP 15012 to istiod)`, `remove carveOuts.istiod: false from ${envFile(intent)}, unless the cluster allows it another way (a cluster-wide CNI policy)`);
  }
}

/** monitoring.ports names a port that no scraped workload declares: that entry scrapes nothing. */
export function monitoringChecks(intent: Intent, ix: Index, posAt: PosAt, f: FindingList): void {
  const m = intent.platform.monitoring;
  if (!m) return;
  const modules = m.modules ?? Object.keys(intent.platform.modules);
  const declared = new Set(modules.flatMap((mod) => (ix.workloadsByModule.get(mod) ?? []).flatMap((w) => (w.ports ?? []).map((p) => p.name))));
  m.ports.forEach((p, i) => {
    if (typeof p !== 'string' || /^\d/.test(p) || declared.has(p)) return;
    f.warn('PB141', posAt(['monitoring', 'ports', i]), `monitoring port "${p}" is declared by no workload of the scraped modules: it opens nothing`, declared.size ? `use a port number or one of: ${[...declared].sort().join(', ')}` : `declare the port under a workload's ports, or use a number`);
  });
}
