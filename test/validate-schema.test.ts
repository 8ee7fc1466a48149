// The rendered resources against the upstream schemas: kubernetes-models' validators (types,
// enums) and the strict-field tables generated from Istio's CRDs and Kubernetes' OpenAPI document
// (unknown keys, which the API server would prune silently).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as istioNetworkingV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as istioSecurityV1beta1 from '@kubernetes-models/istio/security.istio.io/v1beta1';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { KIND_API_VERSIONS } from '../plugin/check/kinds.ts';
import { KNOWN_SPEC_ROOTS } from '../plugin/check/known-fields.generated.ts';
import { schemaProblems } from '../plugin/check/schema-validation.ts';
import { unknownFieldProblems } from '../plugin/check/strict-fields.ts';
import { environmentNames, loadRepository } from '../plugin/load/load.ts';
import { buildFromLoaded } from '../plugin/pipeline.ts';
import { PRACTICUS, PROJECT } from './helpers/cli.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const loaded = loadRepository(PRACTICUS);
const VERSIONS = [
  { security: 'security.istio.io/v1', networking: 'networking.istio.io/v1' },
  { security: 'security.istio.io/v1beta1', networking: 'networking.istio.io/v1beta1' },
];

async function resources(env: string, istio = VERSIONS[0]): Promise<Obj[]> {
  const b = await buildFromLoaded(loaded, env, istio);
  return b.resources.map((r) => r.object);
}

const problems = (o: Obj) => [...schemaProblems(o), ...unknownFieldProblems(o)];
const clone = (o: Obj): Obj => structuredClone(o);

describe('examples/practicus: every resource of every environment is schema-valid', () => {
  for (const env of environmentNames(loaded)) {
    for (const istio of VERSIONS) {
      it(`${env} (${istio.security.split('/')[1]})`, async () => {
        const list = await resources(env, istio);
        assert.ok(list.length > 0);
        for (const o of list) assert.deepEqual(problems(o), [], `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      });
    }
  }

  it('prod emits every kind the tables cover', async () => {
    const kinds = new Set((await resources('prod')).map((o) => o.kind));
    for (const k of ['NetworkPolicy', 'PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'VirtualService']) assert.ok(kinds.has(k), k);
  });
});

describe('broken resources fail', () => {
  const find = async (kind: string, pred: (o: Obj) => boolean = () => true) => {
    const o = (await resources('prod')).find((x) => x.kind === kind && pred(x));
    assert.ok(o, `prod renders a ${kind}`);
    return clone(o);
  };
  const withIngressPorts = (o: Obj) => Array.isArray(o.spec.ingress) && o.spec.ingress.some((r: Obj) => r.ports);
  const withRules = (o: Obj) => Array.isArray(o.spec.rules) && o.spec.rules.length > 0;

  it('a NetworkPolicy port given as an object', async () => {
    const np = await find('NetworkPolicy', withIngressPorts);
    np.spec.ingress.find((r: Obj) => r.ports).ports[0].port = { number: 8080 };
    assert.ok(schemaProblems(np).some((p) => /ports\/0\/port must be/.test(p)), schemaProblems(np).join('\n'));
  });

  it('a misspelt top-level spec field: spec.rulez, podSelectr', async () => {
    const ap = await find('AuthorizationPolicy', withRules);
    ap.spec.rulez = ap.spec.rules;
    delete ap.spec.rules;
    assert.deepEqual(schemaProblems(ap), [], 'the Istio schema itself lets it through: that is why strict fields exist');
    assert.deepEqual(unknownFieldProblems(ap), ['spec.rulez: unknown field in AuthorizationPolicy security.istio.io/v1 (did you mean "rules"?); the API server would drop it silently']);

    const np = await find('NetworkPolicy');
    np.spec.podSelectr = np.spec.podSelector;
    delete np.spec.podSelector;
    assert.deepEqual(unknownFieldProblems(np), ['spec.podSelectr: unknown field in NetworkPolicy networking.k8s.io/v1 (did you mean "podSelector"?); the API server would drop it silently']);
  });

  it('unknown keys deep under spec, in lists and maps', async () => {
    const ap = await find('AuthorizationPolicy', (o) => withRules(o) && o.spec.rules.some((r: Obj) => r.from?.[0]?.source?.principals));
    const i = ap.spec.rules.findIndex((r: Obj) => r.from?.[0]?.source?.principals);
    const src = ap.spec.rules[i].from[0].source;
    src.principal = src.principals;
    delete src.principals;
    assert.deepEqual(unknownFieldProblems(ap), [`spec.rules[${i}].from[0].source.principal: unknown field in AuthorizationPolicy security.istio.io/v1 (did you mean "principals"?); the API server would drop it silently`]);

    const vs = await find('VirtualService');
    vs.spec.http[0].route[0].destination.subst = 'v1';
    vs.spec.http[0].retries.perTryTimout = '1s';
    const vp = unknownFieldProblems(vs).sort();
    assert.equal(vp.length, 2, vp.join('\n'));
    assert.match(vp[0]!, /^spec\.http\[0\]\.retries\.perTryTimout: unknown field in VirtualService networking\.istio\.io\/v1 \(did you mean "perTryTimeout"\?\)/);
    assert.match(vp[1]!, /^spec\.http\[0\]\.route\[0\]\.destination\.subst: unknown field .*\(did you mean "subset"\?\)/);

    const dr = await find('DestinationRule');
    dr.spec.subsets[0].labels['any-label/key'] = 'x'; // a map: any key is fine
    dr.spec.subsets[0].trafficPolicy = { loadBalancer: { simpel: 'ROUND_ROBIN' } };
    assert.deepEqual(unknownFieldProblems(dr), ['spec.subsets[0].trafficPolicy.loadBalancer.simpel: unknown field in DestinationRule networking.istio.io/v1 (did you mean "simple"?); the API server would drop it silently']);

    const pa = await find('PeerAuthentication');
    pa.spec.mtls.mod = 'STRICT';
    assert.match(unknownFieldProblems(pa)[0]!, /^spec\.mtls\.mod: unknown field in PeerAuthentication/);

    const np = await find('NetworkPolicy', withIngressPorts);
    np.spec.ingress.find((r: Obj) => r.ports).from[0].ipblock = { cidr: '10.0.0.0/8' };
    assert.match(unknownFieldProblems(np)[0]!, /^spec\.ingress\[\d+\]\.from\[0\]\.ipblock: unknown field .*\(did you mean "ipBlock"\?\)/);
  });

  it("keys named like Object.prototype's members are unknown fields too (an override may print any key)", async () => {
    // GIVEN an AuthorizationPolicy whose spec and rule carry keys that every plain JS object inherits
    // (own keys, as a reader of rendered text makes them: JSON.parse, not assignment)
    const ap = await find('AuthorizationPolicy', withRules);
    const prefixed = (o: Obj, keys: string) => JSON.parse(JSON.stringify(o).replace(/^\{/, `{${keys},`));
    ap.spec.rules[0] = prefixed(ap.spec.rules[0], '"toString":"x","hasOwnProperty":[]');
    ap.spec = prefixed(ap.spec, '"constructor":1,"__proto__":{"rules":[]}');
    // WHEN its fields are checked THEN each is reported, with its path, like any misspelt key
    assert.deepEqual(unknownFieldProblems(ap).map((p) => p.split(':')[0]), ['spec.constructor', 'spec.__proto__', 'spec.rules[0].toString', 'spec.rules[0].hasOwnProperty']);
  });

  it('v1beta1 resources are checked against the v1beta1 schema', async () => {
    const ap = (await resources('prod', VERSIONS[1])).find((o) => o.kind === 'AuthorizationPolicy' && withRules(o))!;
    const bad = clone(ap);
    bad.spec.rulez = [];
    assert.match(unknownFieldProblems(bad)[0]!, /^spec\.rulez: unknown field in AuthorizationPolicy security\.istio\.io\/v1beta1/);
  });

  it('a bad policyType', async () => {
    const np = await find('NetworkPolicy');
    np.spec.policyTypes = ['Ingres'];
    assert.ok(schemaProblems(np).some((p) => /policyTypes\/0 must be equal to one of the allowed values/.test(p)), schemaProblems(np).join('\n'));
  });

  it('an AuthorizationPolicy with action: PERMIT', async () => {
    const ap = await find('AuthorizationPolicy', withRules);
    ap.spec.action = 'PERMIT';
    assert.ok(schemaProblems(ap).some((p) => /action must be equal to one of the allowed values/.test(p)), schemaProblems(ap).join('\n'));
  });

  it('many unknown keys are reported at most 20 times per resource', async () => {
    const np = await find('NetworkPolicy');
    for (let k = 0; k < 50; k++) np.spec[`x${k}`] = k;
    assert.equal(unknownFieldProblems(np).length, 20);
  });

  it('kinds without a table (Namespace) and resources without spec give no strict-field problem', () => {
    assert.deepEqual(unknownFieldProblems({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } } as Obj), []);
    assert.deepEqual(unknownFieldProblems({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' } as Obj), []);
  });
});

// Istio's v1beta1 of these kinds is checked with the v1 validators, the apiVersion read as v1
// (plugin/check/schema-validation.ts): exact only while the two versions share one schema.
describe('v1beta1 resources are checked by the v1 validators', () => {
  const KINDS = ['AuthorizationPolicy', 'PeerAuthentication', 'DestinationRule', 'VirtualService'];
  const crds = join(PROJECT, '..', 'shared', 'schemas', 'istio-1.30.3-crd-all.gen.yaml');
  it("because Istio's CRDs give v1beta1 and v1 of each kind one schema", { skip: !existsSync(crds) && 'no ../shared/schemas here' }, () => {
    const found = new Set<string>();
    for (const doc of parseAllDocuments(readFileSync(crds, 'utf8'))) {
      const crd = doc.toJS() as Obj | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !KINDS.includes(crd.spec.names.kind)) continue;
      const schema = (v: string) => crd.spec.versions.find((x: Obj) => x.name === v)?.schema?.openAPIV3Schema;
      assert.ok(schema('v1'), `${crd.spec.names.kind} v1`);
      assert.deepEqual(schema('v1beta1'), schema('v1'), crd.spec.names.kind);
      found.add(crd.spec.names.kind);
    }
    assert.deepEqual([...found].sort(), [...KINDS].sort());
  });

  it("and kubernetes-models' v1beta1 validators are its v1 ones with the version renamed", () => {
    const dir = join(PROJECT, 'node_modules', '@kubernetes-models', 'istio', '_schemas');
    for (const kind of KINDS) {
      const group = kind === 'DestinationRule' || kind === 'VirtualService' ? 'Networking' : 'Security';
      const v1 = readFileSync(join(dir, `${group}IstioIoV1${kind}.js`), 'utf8');
      const v1beta1 = readFileSync(join(dir, `${group}IstioIoV1beta1${kind}.js`), 'utf8');
      assert.ok(v1.includes(`.istio.io/v1"`), kind);
      assert.equal(v1beta1.replaceAll('v1beta1', 'v1').replaceAll('V1beta1', 'V1'), v1, kind);
    }
  });

  it("so they get the v1beta1 validators' answers, changed or not (fast-check)", async () => {
    const models: Record<string, { prototype: { validate(this: object): void } }> = { ...istioSecurityV1beta1, ...istioNetworkingV1beta1 } as never;
    // the v1beta1 validator's own answer, in schemaProblems' form
    const v1beta1Problems = (o: Obj): string[] => {
      try {
        models[o.kind]!.prototype.validate.call(o);
        return [];
      } catch (e) {
        return (e as Error).message.split(/, (?=data)/).map((m) => m.replace(/^data\/?/, '').trim()).filter(Boolean);
      }
    };
    const list = (await resources('prod', VERSIONS[1])).filter((o) => KINDS.includes(o.kind));
    let invalid = 0;
    assert.deepEqual([...new Set(list.map((o) => o.kind))].sort(), [...KINDS].sort());
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.constant(['x']), fc.constantFrom('ALLOW', 'DENY', 'STRICT', 'GET'));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.string({ maxLength: 8 }), value, fc.boolean(), (which, at, key, v, existing) => {
        const o = clone(list[which % list.length]!);
        // an object somewhere in the resource, and a key of it (an existing one, or any)
        const objects: Obj[] = [];
        const walk = (x: unknown) => {
          if (typeof x !== 'object' || x === null) return;
          if (!Array.isArray(x)) objects.push(x as Obj);
          for (const y of Object.values(x)) walk(y);
        };
        walk(o);
        const target = objects[at % objects.length]!;
        const keys = Object.keys(target);
        const k = existing && keys.length ? keys[at % keys.length]! : key;
        // (apiVersion and kind choose the schema: another one is no v1beta1 resource any more)
        fc.pre(!(target === o && (k === 'apiVersion' || k === 'kind')));
        target[k] = v;
        const got = schemaProblems(o);
        assert.deepEqual(got, v1beta1Problems(o));
        if (got.length) invalid++;
      }),
      { numRuns: 400 },
    );
    // about half the changes make a resource invalid: both answers are compared, not only "valid"
    assert.ok(invalid > 100, `only ${invalid} of 400 changed resources were invalid`);
  });
});

describe('the generated tables', () => {
  it('cover every kind and API version the plugin may emit', () => {
    for (const [kind, versions] of Object.entries(KIND_API_VERSIONS)) {
      if (kind === 'Namespace') continue;
      for (const v of versions) assert.ok(`${v}/${kind}` in KNOWN_SPEC_ROOTS, `${v}/${kind}`);
    }
  });

  const schemas = join(PROJECT, '..', 'shared', 'schemas');
  it('are up to date with the upstream schemas (scripts/gen-known-fields.mjs --check)', { skip: !existsSync(schemas) && 'no ../shared/schemas here' }, () => {
    execFileSync(process.execPath, [join(PROJECT, 'scripts/gen-known-fields.mjs'), '--check', '--schemas', schemas], { stdio: 'pipe' });
  });
});
