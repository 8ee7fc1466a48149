// The pipeline, in one place: load → validate → plan → render → check → emit.
// Each stage takes the previous stage's output; nothing reaches back.
import { checkResources, type CheckedResource } from './check/check.ts';
import { loadSchemas, plannedSchemaKey, SchemaNotLoadedError } from './check/schema-validation.ts';
import { emitBundle } from './emit/bundle.ts';
import { UserError } from './errors.ts';
import { DEFAULT_LIMITS, type Limits } from './load/limits.ts';
import { composeEnvironment, loadRepository, type LoadedRepository } from './load/load.ts';
import { planBundle } from './plan/plan.ts';
import { renderResources } from './render/render.ts';
import { loadTemplates } from './render/templates.ts';
import type { Finding } from './validate/finding.ts';
import { findingToProblem } from './validate/format.ts';
import { validateEnvironment, type IstioVersions, type Validated } from './validate/validate.ts';

export interface BundleRequest {
  dir: string;
  env: string;
  istio?: IstioVersions;
  limits?: Limits;
}

export interface Bundle {
  text: string;
  resources: CheckedResource[];
  /** warnings (errors throw) */
  findings: Finding[];
}

export function validateRepositoryEnv(loaded: LoadedRepository, env: string, istio?: IstioVersions, limits: Limits = DEFAULT_LIMITS): Validated {
  return validateEnvironment(composeEnvironment(loaded, env, limits), istio);
}

export async function buildBundle(req: BundleRequest): Promise<Bundle> {
  const limits = req.limits ?? DEFAULT_LIMITS;
  const loaded = loadRepository(req.dir, limits, { positions: false });
  return buildFromLoaded(loaded, req.env, req.istio, limits);
}

/**
 * Validates the environment of a repository that may have been read without source positions
 * (render and generate read it so: a valid repository, what Argo CD asks for nearly every time,
 * never needs them). When there is anything to say — a finding, or an error composing the
 * environment — the repository is read again with positions, and validated again, so that every
 * message still points at its file:line:col. Validation is pure: the second pass finds the same.
 */
function validateWithPositionsWhenNeeded(loaded: LoadedRepository, env: string, istio: IstioVersions | undefined, limits: Limits): { loaded: LoadedRepository; v: Validated } {
  if (!loaded.positions) {
    try {
      const v = validateRepositoryEnv(loaded, env, istio, limits);
      if (v.findings.length === 0) return { loaded, v };
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
    loaded = loadRepository(loaded.root, limits);
  }
  return { loaded, v: validateRepositoryEnv(loaded, env, istio, limits) };
}

export async function buildFromLoaded(repository: LoadedRepository, env: string, istio?: IstioVersions, limits: Limits = DEFAULT_LIMITS): Promise<Bundle> {
  const { loaded, v } = validateWithPositionsWhenNeeded(repository, env, istio, limits);
  const errors = v.findings.filter((f) => f.severity === 'error');
  if (errors.length || !v.intent || !v.index) throw new UserError(errors.map(findingToProblem));
  const planned = planBundle(v.intent, v.index, v.flows);
  if (planned.length === 0) {
    throw new UserError({
      message: `environment "${env}" renders no resources`,
      hint: 'an empty bundle would make Argo CD prune every policy of the app; declare modules, or turn on mesh or default-deny',
    });
  }
  // The validators of the planned kinds load (each its own chunk) while the templates render.
  const schemas = loadSchemas(new Set(planned.map(plannedSchemaKey)));
  schemas.catch(() => undefined); // awaited below; not unhandled if a template fails first
  const templates = await loadTemplates(loaded.templates, limits);
  const files = new Map([...loaded.templates].map(([n, t]) => [n, t.file]));
  const rendered = renderResources(planned, templates, files);
  await schemas;
  const ctx = {
    namespaces: new Set(v.index.namespaceOf.values()),
    dryRun: v.intent.env.policy.authorization === 'dry-run',
  };
  let resources: CheckedResource[];
  try {
    resources = checkResources(rendered, ctx);
  } catch (e) {
    // A template override printed an apiVersion or kind other than the planned one: load every
    // schema and check again (checking has no side effects).
    if (!(e instanceof SchemaNotLoadedError)) throw e;
    await loadSchemas();
    resources = checkResources(rendered, ctx);
  }
  return { text: emitBundle(resources), resources, findings: v.findings };
}
