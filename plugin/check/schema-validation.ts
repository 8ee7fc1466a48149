// Every rendered resource is validated against the real Kubernetes / Istio schemas for the API
// version emitted, with kubernetes-models' precompiled validators (no schema compiled at run time).
// The validators are most of the code a render loads (15-65 KB apiece), so each API group version
// is its own chunk of the bundle (schemas/*.ts), imported when resources of its kinds are about to
// be checked: `await loadSchemas(keys)` first, then schemaProblems().
// The start-up snapshot instead holds them all, handed over by provideSchemas() (cli/snapshot.ts).
import { KIND_API_VERSIONS } from './kinds.ts';
import type { ResourceKind } from '../plan/resource.ts';

/** A kubernetes-models class: its prototype's validate() checks `this` against the kind's schema. */
type Model = { prototype: { validate(this: object): void } };
type SchemaModule = Record<string, unknown>;

/** Each API group version's module (schemas/<name>.ts): one chunk of the bundle apiece. */
const IMPORTERS = {
  'core-v1': () => import('./schemas/core-v1.ts'),
  'networking-k8s-io-v1': () => import('./schemas/networking-k8s-io-v1.ts'),
  'security-istio-io-v1': () => import('./schemas/security-istio-io-v1.ts'),
  'networking-istio-io-v1': () => import('./schemas/networking-istio-io-v1.ts'),
} satisfies Record<string, () => Promise<SchemaModule>>;
export type SchemaModuleName = keyof typeof IMPORTERS;

/**
 * API versions that Istio serves with the very schema of another. Its CRDs give v1beta1 and v1 of
 * these kinds one openAPIV3Schema, and kubernetes-models' v1beta1 validators are its v1 ones with
 * the version renamed (test/validate-schema.test.ts holds both to that). So a v1beta1 resource is
 * checked by the v1 validator, its apiVersion read as v1: the same answer, with one validator's
 * code in the bundle and in the start-up snapshot instead of two (docs/performance.md).
 */
const SAME_SCHEMA_AS: Record<string, string> = {
  'security.istio.io/v1beta1': 'security.istio.io/v1',
  'networking.istio.io/v1beta1': 'networking.istio.io/v1',
};

/** `apiVersion/kind` → the module exporting its model. */
const MODULE_OF: Record<string, SchemaModuleName> = {
  'v1/Namespace': 'core-v1',
  'networking.k8s.io/v1/NetworkPolicy': 'networking-k8s-io-v1',
  'security.istio.io/v1/PeerAuthentication': 'security-istio-io-v1',
  'security.istio.io/v1beta1/PeerAuthentication': 'security-istio-io-v1',
  'security.istio.io/v1/AuthorizationPolicy': 'security-istio-io-v1',
  'security.istio.io/v1beta1/AuthorizationPolicy': 'security-istio-io-v1',
  'networking.istio.io/v1/DestinationRule': 'networking-istio-io-v1',
  'networking.istio.io/v1beta1/DestinationRule': 'networking-istio-io-v1',
  'networking.istio.io/v1/VirtualService': 'networking-istio-io-v1',
  'networking.istio.io/v1beta1/VirtualService': 'networking-istio-io-v1',
};

const MODELS = new Map<string, Model>();

/** Thrown by schemaProblems for a schema that exists but was not loaded: a bug of the caller. */
export class SchemaNotLoadedError extends Error {
  constructor(readonly key: string) {
    super(`the ${key} schema was not loaded: await loadSchemas() before checking`);
    this.name = 'SchemaNotLoadedError';
  }
}

export function schemaKey(apiVersion: unknown, kind: unknown): string {
  return `${String(apiVersion)}/${String(kind)}`;
}

/** The schema of a planned resource as the built-in templates print it (values.apiVersion, else the kind's only version). */
export function plannedSchemaKey(p: { kind: ResourceKind; values: Record<string, unknown> }): string {
  return schemaKey(typeof p.values.apiVersion === 'string' ? p.values.apiVersion : KIND_API_VERSIONS[p.kind][0], p.kind);
}

function use(key: string, module: SchemaModule): void {
  MODELS.set(key, module[key.slice(key.lastIndexOf('/') + 1)] as Model);
}

/** Loads the validators of these `apiVersion/kind` keys (unknown keys are ignored); every one when omitted. */
export async function loadSchemas(keys: Iterable<string> = Object.keys(MODULE_OF)): Promise<void> {
  const wanted = [...new Set(keys)].filter((k) => Object.hasOwn(MODULE_OF, k) && !MODELS.has(k));
  await Promise.all(wanted.map(async (k) => use(k, await IMPORTERS[MODULE_OF[k]!]())));
}

/** Validators from modules loaded already: the start-up snapshot (cli/snapshot.ts) holds them all. */
export function provideSchemas(modules: Record<SchemaModuleName, SchemaModule>): void {
  for (const [key, name] of Object.entries(MODULE_OF)) use(key, modules[name]);
}

// Run from source (tests, tsx) every validator is loaded up front, so schemaProblems needs no
// loadSchemas() there; scripts/build.mjs defines __PB_BUNDLE__, which drops this from the bundle.
declare const __PB_BUNDLE__: boolean | undefined;
if (typeof __PB_BUNDLE__ === 'undefined') await loadSchemas();

/** Problems as `spec/ingress/0/ports/0/port must be integer`, one per line; [] when valid. */
export function schemaProblems(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
  const key = schemaKey(obj.apiVersion, obj.kind);
  if (!Object.hasOwn(MODULE_OF, key)) return [`no schema for ${String(obj.apiVersion)} ${String(obj.kind)}`];
  const model = MODELS.get(key);
  if (!model) throw new SchemaNotLoadedError(key);
  try {
    // On the parsed object itself: `new model(obj)` would first deep-copy it, dropping undefined
    // values, of which text parsed back has none (a tenth of the check stage).
    // (only a string names a version: an array or an object keyed alike is for the validator to refuse)
    const v = obj.apiVersion;
    const same = typeof v === 'string' && Object.hasOwn(SAME_SCHEMA_AS, v) ? SAME_SCHEMA_AS[v] : undefined;
    model.prototype.validate.call(same === undefined ? obj : { ...obj, apiVersion: same });
    return [];
  } catch (e) {
    return (e as Error).message
      .split(/, (?=data)/)
      .map((m) => m.replace(/^data\/?/, '').trim())
      .filter(Boolean);
  }
}
