// Check stage: the rendered text is parsed back (or, from a compiled built-in, the resource it
// reads back as is taken) and must be exactly one resource of the planned kind, in the planned
// namespace, with the conventions of SPEC.md, valid against its schema. Whatever a template
// (built-in or override) printed, only this reaches stdout.
import { UserError, type Problem } from '../errors.ts';
import { DRY_RUN, ISTIO_SYNC_OPTIONS, MANAGED_BY, SYNC_OPTIONS, SYNC_WAVE } from '../plan/resource.ts';
import type { RenderedResource } from '../render/render.ts';
import { FORBIDDEN_ANNOTATIONS, FORBIDDEN_LABELS, KIND_API_VERSIONS } from './kinds.ts';
import { parseRendered } from './parse-rendered.ts';
import { schemaProblems } from './schema-validation.ts';
import { unknownFieldProblems } from './strict-fields.ts';

export interface CheckedResource {
  object: Record<string, unknown>;
  kind: string;
  namespace: string;
  name: string;
  wave: number;
}

export interface CheckContext {
  /** the platform's namespaces: nothing may land elsewhere */
  namespaces: Set<string>;
  /** AuthorizationPolicies must carry istio.io/dry-run: "true" exactly when this is true */
  dryRun: boolean;
}

const ISTIO = /^(security|networking)\.istio\.io\//;
const ARGOCD_PREFIX = 'argocd.argoproj.io/';
const TOP_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
const META_KEYS = new Set(['name', 'namespace', 'labels', 'annotations']);

const MANAGED_BY_LABELS = Object.entries(MANAGED_BY);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkOne(r: RenderedResource, ctx: CheckContext): { problems: string[]; checked?: CheckedResource } {
  const p = r.planned;
  // A compiled built-in hands over what its text reads back as; an override's text is read here.
  const parsed = 'object' in r ? { value: r.object } : parseRendered(r.text, r.printedJson);
  if ('error' in parsed) return { problems: [parsed.error] };
  const obj = parsed.value;
  const problems: string[] = [];
  // (indexed loops: this runs once per resource, mostly as cold code, where each for-of step allocates)
  const top = Object.keys(obj);
  for (let i = 0; i < top.length; i++) if (!TOP_KEYS.has(top[i]!)) problems.push(`top-level key "${top[i]}" is not allowed`);
  if (obj.kind !== p.kind) problems.push(`kind ${JSON.stringify(obj.kind)} where the template must produce ${p.kind}`);
  if (!KIND_API_VERSIONS[p.kind].includes(obj.apiVersion as string)) problems.push(`apiVersion ${JSON.stringify(obj.apiVersion)} is not one of ${KIND_API_VERSIONS[p.kind].join(', ')}`);
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const metaKeys = Object.keys(meta);
  for (let i = 0; i < metaKeys.length; i++) if (!META_KEYS.has(metaKeys[i]!)) problems.push(`metadata.${metaKeys[i]} is not allowed`);
  if (meta.name !== p.name) problems.push(`metadata.name ${JSON.stringify(meta.name)} where the plan names it ${JSON.stringify(p.name)}`);
  const ns = p.kind === 'Namespace' ? meta.name : meta.namespace;
  if (p.kind === 'Namespace' && meta.namespace !== undefined) problems.push('a Namespace has no metadata.namespace');
  if (typeof ns !== 'string' || !ctx.namespaces.has(ns) || (p.kind !== 'Namespace' && ns !== p.namespace)) {
    problems.push(`namespace ${JSON.stringify(ns)} is not the planned one (${p.namespace}) of the platform's namespaces`);
  }
  const labels = isObj(meta.labels) ? meta.labels : {};
  const annotations = isObj(meta.annotations) ? meta.annotations : {};
  for (let i = 0; i < MANAGED_BY_LABELS.length; i++) {
    const [k, v] = MANAGED_BY_LABELS[i]!;
    if (labels[k] !== v) problems.push(`label ${k}: ${v} is missing`);
  }
  for (let i = 0; i < FORBIDDEN_LABELS.length; i++) if (Object.hasOwn(labels, FORBIDDEN_LABELS[i]!)) problems.push(`label ${FORBIDDEN_LABELS[i]} is Argo CD's own tracking label`);
  for (let i = 0; i < FORBIDDEN_ANNOTATIONS.length; i++) if (Object.hasOwn(annotations, FORBIDDEN_ANNOTATIONS[i]!)) problems.push(`annotation ${FORBIDDEN_ANNOTATIONS[i]} is Argo CD's own`);
  const wave = annotations[SYNC_WAVE];
  if (typeof wave !== 'string' || !/^-?\d+$/.test(wave)) problems.push(`annotation ${SYNC_WAVE} must be a quoted integer (Argo CD reads a bad value as 0)`);
  else if (Number(wave) !== p.wave) problems.push(`annotation ${SYNC_WAVE} is "${wave}" where the environment plans "${p.wave}" (waves keep NetworkPolicies before mesh rules)`);
  // Argo CD's own annotations change how a resource syncs (hooks delete it, options skip it):
  // only the planned ones, with their planned values.
  const planned = (p.values.annotations ?? {}) as Record<string, string>;
  const annotationKeys = Object.keys(annotations);
  for (let i = 0; i < annotationKeys.length; i++) {
    const k = annotationKeys[i]!;
    if (k.startsWith(ARGOCD_PREFIX) && !Object.hasOwn(planned, k)) problems.push(`annotation ${k} is not allowed: only the plugin sets argocd.argoproj.io/ annotations`);
  }
  const plannedKeys = Object.keys(planned);
  for (let i = 0; i < plannedKeys.length; i++) {
    const k = plannedKeys[i]!;
    if (k !== SYNC_WAVE && Object.hasOwn(annotations, k) && annotations[k] !== planned[k]) problems.push(`annotation ${k} is ${JSON.stringify(annotations[k])} where the plan sets ${JSON.stringify(planned[k])}`);
  }
  if (ISTIO.test(String(obj.apiVersion)) && !String(annotations[SYNC_OPTIONS] ?? '').includes(ISTIO_SYNC_OPTIONS)) {
    problems.push(`annotation ${SYNC_OPTIONS}: ${ISTIO_SYNC_OPTIONS} is missing (Istio kinds must wait for their CRDs)`);
  }
  if (p.kind === 'AuthorizationPolicy' && (annotations[DRY_RUN] === 'true') !== ctx.dryRun) {
    problems.push(ctx.dryRun ? `annotation ${DRY_RUN}: "true" is missing: this environment only audits` : `annotation ${DRY_RUN} must not be set: this environment enforces`);
  }
  const schema = schemaProblems(obj);
  for (let i = 0; i < schema.length; i++) problems.push(`schema: ${schema[i]}`);
  const unknown = unknownFieldProblems(obj);
  for (let i = 0; i < unknown.length; i++) problems.push(`schema: ${unknown[i]}`);
  if (problems.length) return { problems };
  return { problems, checked: { object: obj, kind: p.kind, namespace: p.namespace, name: p.name, wave: Number(wave) } };
}

export function checkResources(rendered: RenderedResource[], ctx: CheckContext): CheckedResource[] {
  const out: CheckedResource[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const r of rendered) {
    const res = checkOne(r, ctx);
    const id = `${r.planned.kind} ${r.planned.namespace}/${r.planned.name}`;
    for (const m of res.problems) {
      problems.push({ pos: { file: r.templateFile, line: 1, column: 1 }, message: `${id}: ${m}`, hint: 'a template must render one resource of its kind with the values it is given (docs/templates.md)' });
    }
    if (!res.checked) continue;
    if (seen.has(id)) problems.push({ message: `${id} is rendered twice`, hint: 'two workloads or modules share a namespace and a name' });
    seen.add(id);
    out.push(res.checked);
  }
  if (problems.length) throw new UserError(problems.slice(0, 50));
  return out;
}
