// Checks that need the whole resolved intent: what would render but not do what the intent says.
// Each finding has a stable code documented in docs/codes.md.
import { someNames } from './known-names.ts';
import type { SourcePos } from '../errors.ts';
import type { Intent, ResolvedFlow } from '../plan/intent.ts';
import type { FindingList } from './finding.ts';
import { flowChecks } from './flow-checks.ts';
import { carveOutChecks, identityChecks, monitoringChecks, type PolicyPosAt } from './policy-checks.ts';
import type { Index } from './resolve.ts';
import { routeChecks } from './route-checks.ts';

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

/** Names that generated resource names already use (see plan/names.ts). */
export const RESERVED_WORKLOAD_NAMES = ['namespace', 'nothing', 'default', 'dns-istiod'];

/** `policyPos`: where the environment's policy knobs were set (spec.policy of the env chain). */
export function semanticChecks(intent: Intent, ix: Index, flows: ResolvedFlow[], posAt: PosAt, f: FindingList, policyPos?: PolicyPosAt): void {
  for (const name of ix.workloads.keys()) {
    if (RESERVED_WORKLOAD_NAMES.includes(name)) {
      f.error('PB150', posAt(['workloads', name]), `workload name "${name}" is reserved`, `rename the workload; reserved: ${RESERVED_WORKLOAD_NAMES.join(', ')}`);
    }
  }
  for (const [name, w] of ix.workloads) {
    if (!ix.namespaceOf.has(w.module)) {
      f.error('PB100', posAt(['workloads', name, 'module']), `unknown module "${w.module}"`, `declare it under spec.modules or use one of: ${someNames(ix.namespaceOf.keys())}`);
    }
  }
  meshFlowChecks(intent, flows, f);
  identityChecks(intent, flows, posAt, f);
  flowChecks(intent, flows, posAt, f);
  monitoringChecks(intent, ix, posAt, f);
  carveOutChecks(intent, policyPos, f);
  routeChecks(intent, ix, posAt, f);
}

function meshFlowChecks(intent: Intent, flows: ResolvedFlow[], f: FindingList): void {
  const { policy } = intent.env;
  const authz = policy.mesh && policy.authorization !== 'off';
  for (const flow of flows) {
    const { from, to } = flow;
    const destInMesh = policy.mesh && (to.kind === 'module' || (to.kind === 'workload' && to.workload.mesh));
    if (!destInMesh || flow.protocol !== 'TCP') continue;
    if (authz && from.kind === 'workload' && from.workload.mesh && !from.workload.serviceAccount) {
      f.error('PB121', flow.pos, `${flow.id}: source workload "${from.workload.name}" has no serviceAccount, but the destination's AuthorizationPolicy admits callers by principal`, `set workloads.${from.workload.name}.serviceAccount to the pods' service account`);
    }
    if (policy.mtls !== 'STRICT') continue;
    if (from.kind === 'cidr' && (to.kind !== 'workload' || !flow.ports || flow.ports.some((p) => p.endPort !== undefined))) {
      f.error('PB122', flow.pos, `${flow.id}: traffic from ${from.cidr} is plaintext, and STRICT mTLS at the destination rejects it`, 'target a workload and list its ports (numbers, no ranges): the plugin then opens a port-level PERMISSIVE exception for exactly those ports');
    }
    if (from.kind === 'workload' && !from.workload.mesh) {
      f.error('PB123', flow.pos, `${flow.id}: "${from.workload.name}" has no sidecar (mesh: false), so its plaintext is rejected by STRICT mTLS at the destination`, 'put the source in the mesh, or describe it as a cidr endpoint');
    }
  }
}
