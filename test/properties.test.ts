// Properties over the whole intent schema, run in-process through run() with buffers:
//   - every valid intent (small platforms of modules, workloads, flows between them and routes)
//     renders and validates, emits only the allowed kinds in the platform's namespaces with the
//     plugin's label and a sync wave, and renders to the same bytes twice;
//   - arbitrary values (any string, control characters and lone surrogates included, numbers,
//     lists, maps) in any field, arbitrary keys, and arbitrary bytes spliced into the files never
//     crash the plugin (exit 0 or 2, never 3, no stack trace) and never emit a foreign kind or
//     anything outside the platform's namespaces.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { cli } from './helpers/cli.ts';

const ALLOWED_KINDS = new Set(['NetworkPolicy', 'PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'VirtualService', 'Namespace']);
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const NUM_RUNS = Number(process.env.PB_PROPERTY_RUNS ?? 100);

const scratch = mkdtempSync(join(tmpdir(), 'pb-properties-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

type Obj = Record<string, unknown>;

/** A repository folder with these files (path → text or bytes). */
function writeRepo(files: Record<string, string | Uint8Array>): string {
  const dir = join(scratch, `r${++n}`);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

// ---- valid intents ----

const MODULES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
const WORKLOADS = ['api', 'web', 'db', 'worker', 'cache', 'batch', 'front'];
const PORTS = [
  { name: 'http', port: 8080 },
  { name: 'grpc', port: 9000 },
  { name: 'metrics', port: 9090 },
];
const LABEL_VALUES = ['a', 'blue', 'team-1', 'x.y_z', 'v2'];

interface Generated {
  platform: Obj;
  env: 'dev' | 'staging' | 'prod';
}

const validPlatform: fc.Arbitrary<Generated> = fc
  .record({
    modules: fc.uniqueArray(fc.constantFrom(...MODULES), { minLength: 1, maxLength: 4 }),
    workloadNames: fc.uniqueArray(fc.constantFrom(...WORKLOADS), { maxLength: 5 }),
    seeds: fc.array(fc.nat(1000), { minLength: 64, maxLength: 64 }),
    flowCount: fc.nat(7),
    env: fc.constantFrom('dev' as const, 'staging' as const, 'prod' as const),
  })
  .map(({ modules, workloadNames, seeds, flowCount, env }) => {
    let s = 0;
    const pick = <T>(xs: readonly T[]): T => xs[seeds[s++ % seeds.length]! % xs.length]!;
    const chance = (p: number) => seeds[s++ % seeds.length]! % 100 < p * 100;

    const mods: Obj = {};
    for (const m of modules) {
      const mod: Obj = {};
      if (chance(0.3)) mod.namespace = `ns-${m}`;
      if (chance(0.3)) mod.labels = { team: pick(LABEL_VALUES) };
      mods[m] = Object.keys(mod).length ? mod : {};
    }
    const workloads: Obj = {};
    const wl: { name: string; ports: typeof PORTS }[] = [];
    for (const w of workloadNames) {
      const ports = PORTS.filter((p, i) => i === 0 || chance(0.4));
      const selector: Obj = { app: w };
      if (chance(0.3)) selector.tier = pick(LABEL_VALUES);
      workloads[w] = { module: pick(modules), selector, serviceAccount: `sa-${w}`, ports };
      wl.push({ name: w, ports });
    }
    const endpoint = (asSource: boolean): Obj => {
      const r = seeds[s++ % seeds.length]! % 10;
      if (!asSource && r === 0) return chance(0.5) ? { cidr: '10.20.0.0/16', except: ['10.20.1.0/24'] } : { cidr: '203.0.113.0/24' };
      if (wl.length && r < 6) return { workload: pick(wl).name };
      return { module: pick(modules) };
    };
    const flows: Obj[] = [];
    for (let i = 0; i < flowCount; i++) {
      const from = endpoint(true);
      const to = endpoint(false);
      const flow: Obj = { from, to };
      if (chance(0.3)) flow.name = `f${i}`;
      const udp = chance(0.1);
      if (udp) flow.protocol = 'UDP';
      if ('workload' in to && chance(0.6)) {
        const target = wl.find((w) => w.name === to.workload)!;
        flow.ports = [pick(target.ports).name];
      } else if (chance(0.7)) {
        flow.ports = chance(0.2) && !udp ? ['8000-8100'] : [pick([80, 443, 5432, 8080])];
      }
      const l7 = !udp && !('cidr' in to) && !(flow.ports as string[] | undefined)?.some((p) => typeof p === 'string' && p.includes('-'));
      if (l7 && chance(0.4)) {
        const http: Obj = {};
        if (chance(0.7)) http.methods = [...new Set([pick(['GET', 'POST', 'PUT']), pick(['GET', 'HEAD'])])];
        if (chance(0.7)) http.paths = [...new Set([pick(['/v1/*', '/health', '*', '/api/x']), pick(['/metrics', '*/suffix'])])];
        if (Object.keys(http).length) flow.http = http;
      }
      flows.push(flow);
    }
    const routes: Obj = {};
    for (const w of wl) {
      if (!chance(0.3)) continue;
      const weight = pick([0, 10, 50, 90, 100]);
      const route: Obj = {
        subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
        http: [{ name: 'main', match: { prefix: '/' }, weights: { v1: weight, v2: 100 - weight }, ...(chance(0.5) ? { timeout: '5s' } : {}) }],
      };
      if (chance(0.5)) route.defaultSubset = 'v1';
      routes[w.name] = route;
    }
    const spec: Obj = { modules: mods, workloads, flows };
    if (Object.keys(routes).length) spec.routes = routes;
    return { platform: { apiVersion: 'policy-bundle.dev/v1alpha1', kind: 'Platform', metadata: { name: 'prop' }, spec }, env };
  });

/** The platform's namespaces, as the plugin computes them; tolerant of mutated platforms. */
function namespacesOf(platform: unknown): Set<string> {
  const modules = (platform as { spec?: { modules?: unknown } })?.spec?.modules;
  const out = new Set<string>();
  if (typeof modules !== 'object' || modules === null) return out;
  for (const [key, m] of Object.entries(modules)) {
    const ns = (m as { namespace?: unknown } | null)?.namespace;
    out.add(typeof ns === 'string' ? ns : key);
  }
  return out;
}

/** What any successful run must satisfy; returns the documents. */
function checkBundle(stdout: string, namespaces: Set<string>): Obj[] {
  const docs = parseAllDocuments(stdout);
  assert.ok(Array.isArray(docs), 'stdout is a YAML stream');
  const out: Obj[] = [];
  for (const d of docs) {
    assert.equal(d.errors.length, 0, `stdout is valid YAML: ${d.errors[0]?.message}`);
    const o = d.toJS({ maxAliasCount: 0 }) as Obj & { kind: string; metadata: { name: string; namespace?: string; labels?: Obj; annotations?: Obj } };
    assert.ok(ALLOWED_KINDS.has(o.kind), `foreign kind ${o.kind}`);
    const ns = o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace;
    assert.ok(typeof ns === 'string' && namespaces.has(ns), `namespace ${ns} is not one of the platform's: ${[...namespaces].join(', ')}`);
    assert.equal(o.metadata.labels?.[MANAGED_BY], 'policy-bundle');
    assert.match(String(o.metadata.annotations?.[SYNC_WAVE]), /^-?\d+$/);
    out.push(o);
  }
  return out;
}

/** Exit 0 or 2, never an internal error or a stack trace; nothing on stdout when it fails. */
function checkFailure(r: { code: number; stdout: string; stderr: string }): void {
  assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr.slice(0, 1000)}`);
  assert.doesNotMatch(r.stderr, /internal error/, r.stderr.slice(0, 1000));
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  if (r.code !== 0) assert.equal(r.stdout, '', 'nothing on stdout when it fails');
}

describe('properties: valid intents', () => {
  it('always render, validate, stay within the allowed kinds and namespaces, and render the same bytes twice', async () => {
    await fc.assert(
      fc.asyncProperty(validPlatform, async ({ platform, env }) => {
        const dir = writeRepo({ 'platform.yaml': stringify(platform) });
        const first = await cli(['render', '--env', env, '--dir', dir]);
        assert.equal(first.code, 0, first.stderr);
        assert.ok(first.stdout.length > 0, 'a bundle is never empty');
        const docs = checkBundle(first.stdout, namespacesOf(platform));
        assert.ok(docs.length > 0);
        const second = await cli(['render', '--env', env, '--dir', dir]);
        assert.equal(second.stdout, first.stdout, 'same input, same bytes');
        const v = await cli(['validate', '--env', env, '--dir', dir]);
        assert.equal(v.code, 0, v.stdout + v.stderr);
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- arbitrary values ----

/** Any value a YAML file can hold: strings of any code points, numbers, booleans, null, lists, maps. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('', '\n---\nkind: ClusterRoleBinding', '{{json constructor}}', '}}{{', '"', "'", '#', '*', '&a', '!!binary', '- x', 'a: b', '../../etc/passwd', '__proto__', 'constructor', 'a'.repeat(2000)),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Every path to a value in a JSON-like tree. */
function pathsOf(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...path, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) pathsOf(x, [...path, k], out);
  return out;
}

function mutate(root: Obj, path: (string | number)[], action: 'value' | 'key' | 'delete', value: unknown, key: string): Obj {
  const copy = structuredClone(root);
  if (path.length === 0) return action === 'value' && typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : copy;
  const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Obj)[k as string], copy) as Obj | unknown[];
  const last = path[path.length - 1]!;
  if (action === 'value') (parent as Obj)[last as string] = value;
  else if (action === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Obj)[last as string];
  } else if (!Array.isArray(parent)) {
    const v = (parent as Obj)[last as string];
    delete (parent as Obj)[last as string];
    Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

describe('properties: arbitrary input never crashes and never emits a foreign kind', () => {
  it('an arbitrary value, key or deletion anywhere in platform.yaml or an environment overlay', async () => {
    const overlay = (env: string): Obj => ({ apiVersion: 'policy-bundle.dev/v1alpha1', kind: 'Environment', metadata: { name: env }, spec: { extends: env, policy: { manageNamespaces: true }, platform: { flows: [] } } });
    await fc.assert(
      fc.asyncProperty(
        validPlatform,
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('value' as const, 'key' as const, 'delete' as const),
        anyValue,
        anyString,
        async ({ platform, env }, inOverlay, at, action, value, key) => {
          const files: Record<string, string> = {};
          let mutated = platform;
          if (inOverlay) {
            const o = overlay(env);
            const paths = pathsOf(o);
            files[`environments/${env}.yaml`] = stringify(mutate(o, paths[at % paths.length]!, action, value, key));
          } else {
            const paths = pathsOf(platform);
            mutated = mutate(platform, paths[at % paths.length]!, action, value, key);
          }
          files['platform.yaml'] = stringify(mutated);
          const dir = writeRepo(files);
          const r = await cli(['render', '--env', env, '--dir', dir]);
          checkFailure(r);
          if (r.code === 0) {
            checkBundle(r.stdout, namespacesOf(mutated));
            const again = await cli(['render', '--env', env, '--dir', dir]);
            assert.equal(again.stdout, r.stdout, 'same input, same bytes');
          }
          const v = await cli(['validate', '--env', env, '--dir', dir]);
          assert.ok([0, 1, 2].includes(v.code), `validate exit ${v.code}: ${v.stderr.slice(0, 500)}`);
          assert.doesNotMatch(v.stderr, /internal error|^\s+at .+:\d+:\d+\)?$/m);
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('arbitrary bytes spliced into platform.yaml, an overlay or a template override', async () => {
    await fc.assert(
      fc.asyncProperty(
        validPlatform,
        fc.constantFrom('platform' as const, 'overlay' as const, 'template' as const),
        fc.nat(),
        fc.nat(64),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        async ({ platform, env }, target, at, cut, bytes) => {
          const texts: Record<string, string> = {
            'platform.yaml': stringify(platform),
            [`environments/${env}.yaml`]: `apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: ${env}}\nspec:\n  extends: ${env}\n  policy: {manageNamespaces: true}\n`,
            'templates/namespace.yaml.hbs': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{json name}}\n  labels: {{json labels}}\n  annotations: {{json annotations}}\n',
          };
          const file = target === 'platform' ? 'platform.yaml' : target === 'overlay' ? `environments/${env}.yaml` : 'templates/namespace.yaml.hbs';
          const original = Buffer.from(texts[file]!);
          const pos = at % (original.length + 1);
          const files: Record<string, string | Uint8Array> = { ...texts };
          files[file] = Buffer.concat([original.subarray(0, pos), Buffer.from(bytes), original.subarray(Math.min(original.length, pos + cut))]);
          const dir = writeRepo(files);
          const r = await cli(['render', '--env', env, '--dir', dir]);
          checkFailure(r);
          if (r.code === 0) {
            // the splice may have renamed a module: the namespaces are those of what was rendered
            let rendered: unknown = platform;
            if (target === 'platform') rendered = parse(Buffer.from(files['platform.yaml'] as Uint8Array).toString('utf8'));
            checkBundle(r.stdout, namespacesOf(rendered));
          }
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
