// Validate stage: schemas of every file in the chain, the prod floor, name resolution and the
// semantic checks. Collects every finding instead of stopping at the first.
import type { SourcePos } from '../errors.ts';
import type { ComposedEnvironment } from '../load/load.ts';
import { keyPos, nodePos, posAt } from '../load/located.ts';
import type { Intent, ResolvedFlow } from '../plan/intent.ts';
import { environmentDoc, policy as policySchema, type Policy } from '../schema/environment.ts';
import { platformDoc } from '../schema/platform.ts';
import { FindingList, type Finding } from './finding.ts';
import { checkFloor } from './floor.ts';
import { indexPlatform, resolveFlows, type Index } from './resolve.ts';
import { reportSchemaIssues } from './schema-issues.ts';
import { semanticChecks } from './semantic-checks.ts';

/** Istio API versions to emit; undefined when the cluster does not serve the group. */
export interface IstioVersions {
  security?: string;
  networking?: string;
}

export interface Validated {
  intent?: Intent;
  index?: Index;
  flows: ResolvedFlow[];
  findings: Finding[];
}

const start = (file: string): SourcePos => ({ file, line: 1, column: 1 });

/**
 * Built-in layers already found valid. Their values are parsed once per process (load.ts) and never
 * change, so one check is enough; the start-up snapshot's warm-up checks every one of them, and a
 * render then checks only the repository's own files.
 */
const validBuiltinLayers = new WeakSet<object>();

export function validateEnvironment(env: ComposedEnvironment, istio: IstioVersions = { security: 'security.istio.io/v1', networking: 'networking.istio.io/v1' }): Validated {
  const f = new FindingList();
  // A knob inherited from a built-in baseline is the environment's own file to change.
  const own = env.chain.find((c) => !c.file.startsWith('builtin:'));
  const ownPos = (p: SourcePos | undefined): SourcePos | undefined => (p && !p.file.startsWith('builtin:') ? p : own ? start(own.file) : undefined);
  for (const layer of env.chain) {
    const builtin = layer.file.startsWith('builtin:') && typeof layer.value === 'object' && layer.value !== null ? layer.value : undefined;
    if (builtin && validBuiltinLayers.has(builtin)) continue;
    const r = environmentDoc.safeParse(layer.value);
    if (!r.success) reportSchemaIssues(r.error, layer.value, start(layer.file), '', f);
    else if (builtin) validBuiltinLayers.add(builtin);
    else if (r.data.metadata.name !== layer.file.replace(/^environments\/|\.yaml$/g, '')) {
      f.error('PB002', posAt(layer.value, ['metadata', 'name']), `metadata.name "${r.data.metadata.name}" differs from the file name ${layer.file}`, 'name the file after the environment (environments/<name>.yaml)');
    }
  }
  const doc = env.platformDoc.value as Record<string, unknown> | null;
  const platformRoot = { ...(typeof doc === 'object' && doc ? doc : {}), spec: env.platformSpec };
  const p = platformDoc.safeParse(platformRoot);
  if (!p.success) {
    // Paths under spec are looked up in the merged spec, which carries each layer's positions.
    for (const issue of p.error.issues) {
      const [head, ...rest] = issue.path;
      const root = head === 'spec' ? env.platformSpec : doc;
      const sub = { issues: [{ ...issue, path: head === 'spec' ? rest : issue.path }] } as unknown as typeof p.error;
      reportSchemaIssues(sub, root, nodePos(doc) ?? start(env.platformDoc.file), head === 'spec' ? 'spec' : '', f);
    }
  }
  const pol = policySchema.safeParse(env.policy);
  if (!pol.success) reportSchemaIssues(pol.error, env.policy, start(env.chain[0]!.file), 'spec.policy', f);
  if (!p.success || !pol.success) return { flows: [], findings: f.items };

  const policy: Policy = pol.data;
  if (env.floor) checkFloor(policy, (k) => posAt(env.policy, k) ?? start(env.chain[0]!.file), f);
  const spec = p.data.spec;
  const specPos = (path: (string | number)[]) => posAt(env.platformSpec, path) ?? keyPos(doc, 'spec');
  const index = indexPlatform(spec);
  // Monitoring is a carve-out: an environment may switch it off, and its flows go with it.
  const flows = resolveFlows(spec, index, specPos, f).filter((fl) => policy.carveOuts.monitoring || fl.id !== 'monitoring');
  const intent: Intent = {
    env: { name: env.name, policy, floor: env.floor, chain: env.chain.map((c) => c.file) },
    platform: spec,
    istio: { security: istio.security ?? 'security.istio.io/v1', networking: istio.networking ?? 'networking.istio.io/v1' },
  };
  if (policy.mesh && (!istio.security || !istio.networking)) {
    f.error('PB020', ownPos(posAt(env.policy, ['mesh'])), `environment "${env.name}" renders Istio resources, but the cluster serves no ${!istio.security ? 'security.istio.io' : 'networking.istio.io'} API (Istio is not installed)`, `install Istio, or set spec.policy.mesh: false in environments/${env.name}.yaml to render NetworkPolicies only`);
  }
  semanticChecks(intent, index, flows, specPos, f, (k) => posAt(env.policy, k));
  return { intent, index, flows, findings: f.items };
}
