#!/usr/bin/env node
// Generates plugin/check/known-fields.generated.ts: the fields the API server knows under `spec` of
// every kind the plugin emits, taken from the upstream schemas (Istio's CRDs, Kubernetes' OpenAPI v3
// document). Istio's CRD schemas let unknown fields through (the API server prunes them silently),
// so a misspelt field in a template override would vanish without a word; check/strict-fields.ts
// walks each rendered resource against these tables instead.
//
//   node scripts/gen-known-fields.mjs [--schemas DIR] [--check]
//
// DIR defaults to ../shared/schemas (next to the project). --check exits 1 when the committed file
// differs from what would be generated (for CI), without writing it. Output is deterministic.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dirArg = argv.indexOf('--schemas');
const schemas = dirArg >= 0 ? argv[dirArg + 1] : join(root, '..', 'shared', 'schemas');
const ISTIO_FILE = 'istio-1.30.3-crd-all.gen.yaml';
const K8S_FILE = 'k8s-1.35-apis__networking.k8s.io__v1_openapi.json';
const OUT = join(root, 'plugin', 'check', 'known-fields.generated.ts');

/** The Istio kinds the plugin emits, and the versions it may emit them in (check/kinds.ts). */
const ISTIO_KINDS = ['PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'VirtualService'];
const ISTIO_VERSIONS = ['v1', 'v1beta1'];

// Node encoding (kept tiny: the table ships in the bundle):
//   "s"            a scalar (type checks are schema-validation.ts's job)
//   "*"            anything goes (x-kubernetes-preserve-unknown-fields, additionalProperties: true)
//   {p: {k: i}}    an object with exactly these fields; i indexes the node table
//   {m: i}         a map: any key, values of node i
//   {a: i}         an array of node i
// Identical subtrees are stored once (Istio repeats trafficPolicy, StringMatch, ... many times).
const nodes = [];
const ids = new Map();
function intern(node) {
  const key = JSON.stringify(node);
  let id = ids.get(key);
  if (id === undefined) {
    id = nodes.length;
    nodes.push(node);
    ids.set(key, id);
  }
  return id;
}

/** Schema → node index. `resolve` follows $ref (OpenAPI) and is the identity for CRDs. */
function convert(schema, resolve) {
  schema = resolve(schema);
  if (!schema || typeof schema !== 'object') return intern('*');
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return intern('*');
  if (schema['x-kubernetes-int-or-string'] === true || schema.format === 'int-or-string') return intern('s');
  // Combinators: in these schemas they carry `required` constraints or a single $ref; merge any
  // properties they declare so a field allowed by one branch is known.
  const parts = [schema, ...['allOf', 'oneOf', 'anyOf'].flatMap((k) => (Array.isArray(schema[k]) ? schema[k].map(resolve) : []))];
  const props = {};
  let items;
  let additional;
  let type = schema.type;
  for (const part of parts) {
    if (!part || typeof part !== 'object') continue;
    type ??= part.type;
    if (part.properties) Object.assign(props, part.properties);
    if (part.items) items ??= part.items;
    if (part.additionalProperties !== undefined) additional ??= part.additionalProperties;
    if (part['x-kubernetes-preserve-unknown-fields'] === true) return intern('*');
  }
  if (type === 'array' || items) {
    return intern({ a: items ? convert(items, resolve) : intern('*') });
  }
  if (Object.keys(props).length) {
    const p = {};
    for (const k of Object.keys(props).sort()) p[k] = convert(props[k], resolve);
    return intern({ p });
  }
  if (additional === true) return intern('*');
  if (additional && typeof additional === 'object') return intern({ m: convert(additional, resolve) });
  if (type === 'object') return intern({ p: {} }); // a structural schema prunes every key of it
  return intern('s');
}

// Istio: one CRD per kind, one schema per version.
const roots = {};
const istioText = readFileSync(join(schemas, ISTIO_FILE), 'utf8');
const crds = parseAllDocuments(istioText).map((d) => d.toJS()).filter((d) => d && d.kind === 'CustomResourceDefinition');
for (const kind of ISTIO_KINDS) {
  const crd = crds.find((c) => c.spec?.names?.kind === kind && /\.istio\.io$/.test(c.spec.group));
  if (!crd) throw new Error(`${ISTIO_FILE}: no CRD for ${kind}`);
  for (const version of ISTIO_VERSIONS) {
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v) throw new Error(`${ISTIO_FILE}: ${kind} has no version ${version}`);
    const spec = v.schema?.openAPIV3Schema?.properties?.spec;
    if (!spec) throw new Error(`${ISTIO_FILE}: ${kind} ${version} has no spec schema`);
    roots[`${crd.spec.group}/${version}/${kind}`] = convert(spec, (s) => s);
  }
}

// Kubernetes: NetworkPolicy from the networking.k8s.io/v1 OpenAPI v3 document.
const openapi = JSON.parse(readFileSync(join(schemas, K8S_FILE), 'utf8'));
const components = openapi.components?.schemas ?? {};
const resolveRef = (s) => {
  let cur = s;
  for (let i = 0; cur && cur.$ref && i < 20; i++) cur = components[cur.$ref.replace('#/components/schemas/', '')];
  if (cur && Array.isArray(cur.allOf) && cur.allOf.length === 1 && !cur.properties && !cur.type) {
    // `allOf: [{$ref}]` wrappers (used to attach a description or a default) are the ref itself.
    const { allOf, ...rest } = cur;
    return { ...rest, ...resolveRef(allOf[0]) };
  }
  return cur;
};
const np = components['io.k8s.api.networking.v1.NetworkPolicy'];
if (!np?.properties?.spec) throw new Error(`${K8S_FILE}: no io.k8s.api.networking.v1.NetworkPolicy`);
roots['networking.k8s.io/v1/NetworkPolicy'] = convert(np.properties.spec, resolveRef);

const rel = (f) => relative(root, join(schemas, f)).split('\\').join('/');
const lines = [
  '// Generated by scripts/gen-known-fields.mjs. Do not edit: regenerate with',
  '//   node scripts/gen-known-fields.mjs [--schemas DIR]',
  `// from ${rel(ISTIO_FILE)} (kinds ${ISTIO_KINDS.join(', ')}; ${ISTIO_VERSIONS.join(', ')})`,
  `// and ${rel(K8S_FILE)} (NetworkPolicy).`,
  '// The fields the API server knows under `spec` (check/strict-fields.ts). Node encoding: "s" scalar,',
  '// "*" anything, {p} an object with exactly these fields, {m} a map, {a} an array; numbers index KNOWN_FIELD_NODES.',
  '',
  'export type KnownFieldNode = "s" | "*" | { p: Record<string, number> } | { m: number } | { a: number };',
  '',
  'export const KNOWN_FIELD_NODES: readonly KnownFieldNode[] = [',
  ...nodes.map((n, i) => `  ${JSON.stringify(n)}, // ${i}`),
  '];',
  '',
  '/** `apiVersion/kind` → the node of its `spec`. */',
  'export const KNOWN_SPEC_ROOTS: Readonly<Record<string, number>> = {',
  ...Object.keys(roots).sort().map((k) => `  ${JSON.stringify(k)}: ${roots[k]},`),
  '};',
  '',
];
const text = lines.join('\n');
if (argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {
    // missing counts as different
  }
  if (current !== text) {
    process.stderr.write(`${relative(root, OUT)} is out of date: run node scripts/gen-known-fields.mjs\n`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
  process.stdout.write(`wrote ${relative(root, OUT)}: ${nodes.length} nodes, ${Object.keys(roots).length} kinds\n`);
}
