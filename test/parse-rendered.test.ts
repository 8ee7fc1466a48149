// The check stage reads rendered resources with a strict fast reader (plugin/check/fast-yaml.ts)
// and falls back to the `yaml` package for anything else. The fast reader must never change a
// result: for every text, parseRendered gives exactly what the `yaml` package gives (same values,
// same key order, same errors). It must also actually take every built-in template's text (what
// an override that copies one prints), or overrides would silently take the slow path. What the
// `json` helper printed is passed as evidence that those values are canonical; evidence must never
// change a result either. The compiled built-ins print no text: they build what their text reads
// back as, which the first test holds them to on real plans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generatePlatform } from '../bench/generate.mjs';
import { parseTemplateYaml } from '../plugin/check/fast-yaml.ts';
import { parseRendered, parseRenderedWithYaml } from '../plugin/check/parse-rendered.ts';
import { loadRepository } from '../plugin/load/load.ts';
import { validateRepositoryEnv } from '../plugin/pipeline.ts';
import { planBundle } from '../plugin/plan/plan.ts';
import { builtinTemplateSources } from '../plugin/load/builtins.ts';
import { jsonScalar } from '../plugin/render/json-scalar.ts';
import { renderResources } from '../plugin/render/render.ts';
import { loadTemplates } from '../plugin/render/templates.ts';
import { PRACTICUS, tempRepo } from './helpers/cli.ts';

type Result = ReturnType<typeof parseRendered>;

/** Equal values (deepStrictEqual: -0, prototypes) and the same key order everywhere. */
function assertSame(got: Result, want: Result, text: string): void {
  const where = `for ${JSON.stringify(text).slice(0, 400)}`;
  assert.deepStrictEqual(got, want, where);
  const order = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(order) : typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => [k, order(x)]) : v;
  assert.deepStrictEqual(order(got), order(want), `key order ${where}`);
}

/** Every built-in template given as an override of itself: Handlebars renders it as text. */
const asOverrides = new Map(Object.entries(builtinTemplateSources).map(([name, source]) => [name, { file: `templates/${name}.yaml.hbs`, source }]));

/**
 * Each planned resource rendered twice: as text, by Handlebars from the built-in template's
 * source (what an override that copies it prints), and by the compiled built-in.
 */
async function rendered(dir: string, env: string, istio: 'v1' | 'v1beta1'): Promise<{ text: string; printedJson: string[]; compiled: { object: Record<string, unknown>; bytes: number } }[]> {
  const loaded = loadRepository(dir);
  const v = validateRepositoryEnv(loaded, env, { security: `security.istio.io/${istio}`, networking: `networking.istio.io/${istio}` });
  assert.ok(v.intent && v.index, JSON.stringify(v.findings.filter((f) => f.severity === 'error')).slice(0, 500));
  const planned = planBundle(v.intent, v.index, v.flows);
  const texts = renderResources(planned, await loadTemplates(asOverrides), new Map());
  const compiled = renderResources(planned, await loadTemplates(new Map()), new Map());
  return texts.map((t, i) => {
    const c = compiled[i]!;
    assert.ok('text' in t && 'object' in c, 'an override renders text, a compiled built-in the resource');
    return { text: t.text, printedJson: t.printedJson, compiled: c };
  });
}

function syntheticRepo(): string {
  return tempRepo(generatePlatform({ modules: 12, workloadsPerModule: 4, flows: 120, seed: 7 }).files);
}

describe('parseRendered: the fast reader of built-in template output', () => {
  it('reads every resource the built-in templates render exactly as the yaml package does, without falling back, and as the compiled built-ins build it', async () => {
    // GIVEN the example repository and a synthetic one with every flow shape, in every environment and Istio version
    const repos = [PRACTICUS, syntheticRepo()];
    let n = 0;
    for (const dir of repos) {
      for (const env of ['dev', 'staging', 'prod']) {
        for (const istio of ['v1', 'v1beta1'] as const) {
          for (const { text, printedJson, compiled } of await rendered(dir, env, istio)) {
            // WHEN both readers read it, with and without the helper's evidence THEN the fast one took it and agrees with yaml
            assert.ok(parseTemplateYaml(text), `fast reader refused built-in output ${JSON.stringify(text).slice(0, 300)}`);
            // (the evidence is the text's values, in order, but for the templates' literal ones such as `spec: {}`)
            const values = [...text.matchAll(/: (.+)$/gm)].map((m) => m[1]);
            assert.deepStrictEqual(values.filter((s) => printedJson.includes(s!)), printedJson, `the json helper's record of ${JSON.stringify(text).slice(0, 300)}`);
            assert.ok(printedJson.length >= values.length - 3, `${printedJson.length} of ${values.length} values printed by the helper`);
            assertSame(parseRendered(text, printedJson), parseRenderedWithYaml(text), text);
            assertSame(parseRendered(text), parseRenderedWithYaml(text), text);
            // AND the compiled built-in built what the text reads back as, and counted its bytes
            assertSame({ value: compiled.object }, parseRenderedWithYaml(text), text);
            assert.equal(compiled.bytes, text.length);
            n++;
          }
        }
      }
    }
    assert.ok(n > 300, `only ${n} resources rendered`);
  });

  it('agrees with the yaml package on any JSON value the json helper can print', () => {
    // GIVEN template-shaped documents whose values are arbitrary JSON (full Unicode, lone surrogates, big numbers, odd keys)
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'true', 'True', 'null', '-0', '1e400', '<<', '# x', 'a: b', '\u2028', '\u0085', '\ufeff', 'x'.repeat(1100)));
    const scalar = fc.oneof(str, fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e21, 2 ** 53 + 2, 5e-324, true, false, null));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(str, tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(str, fc.dictionary(str, fc.string()), value, value, (name, labels, a, b) => {
        const printed = [name, labels, a, b].map(jsonScalar);
        const text = ['apiVersion: "security.istio.io/v1"', 'kind: AuthorizationPolicy', 'metadata:', `  name: ${printed[0]}`, `  labels: ${printed[1]}`, 'spec:', `  selector: ${printed[2]}`, `  rules: ${printed[3]}`, ''].join('\n');
        // WHEN both readers read it, with and without the helper's evidence THEN the results are the same
        assertSame(parseRendered(text, printed), parseRenderedWithYaml(text), text);
        assertSame(parseRendered(text), parseRenderedWithYaml(text), text);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the yaml package on broken or unusual documents (what an override may print)', async () => {
    // GIVEN real rendered resources with random edits: characters that matter to YAML, lost or extra indentation, repeated or dropped lines
    const resources = await rendered(PRACTICUS, 'prod', 'v1');
    const alphabet = fc.constantFrom(' ', '  ', '\n', '\t', '\r', ':', ': ', '#', ' #', '-', '- ', '---\n', '...\n', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '!!str ', '|', '>', '?', '%', '@', '`', 'é', '\u2028', '\ufeff', 'true', 'True', '~', 'null', '0x1F', '1e3', '.inf', '<<: ');
    const edit = fc.oneof(
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: alphabet }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('dupline' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('indent' as const), at: fc.nat(), s: fc.constantFrom(' ', '  ', '    ', '') }),
    );
    fc.assert(
      fc.property(fc.nat({ max: resources.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (i, edits) => {
        let text = resources[i]!.text;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.op === 'insert') text = text.slice(0, at) + e.s + text.slice(at);
          else if (e.op === 'delete') text = text.slice(0, at) + text.slice(at + e.n);
          else {
            const lines = text.split('\n');
            const l = e.at % lines.length;
            if (e.op === 'dupline') lines.splice(l, 0, lines[l]!);
            else lines[l] = e.s + lines[l]!.trimStart();
            text = lines.join('\n');
          }
        }
        // WHEN both readers read it, the fast one also with the evidence of the text before the edits
        // THEN the results (value or error) are the same
        assertSame(parseRendered(text, resources[i]!.printedJson), parseRenderedWithYaml(text), text);
        assertSame(parseRendered(text), parseRenderedWithYaml(text), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves the cases YAML reads differently from JSON to the yaml package', () => {
    // GIVEN documents on the edge of the fast reader's form
    const cases = [
      '',
      '\n',
      'a: 1\na: 2\n',
      'a: {"x":1,"x":2}\n',
      'a: -0\n',
      'a: 1e400\n',
      'a: 12345678901234567890\n',
      'a: True\n',
      'a: NULL\n',
      'a: ~\n',
      'a:\n',
      'a:\nb: 1\n',
      'a:\n    b: 1\n',
      'a:\n  b: 1\n c: 2\n',
      'a: {"__proto__":{"x":1}}\n',
      `a: {"${'k'.repeat(1100)}":1}\n`,
      'a: "\\u2028"\n',
      'a: "\\ud800"\n',
      'a: "x"\r\n',
      'a:\t1\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 1 # note\n',
      'a: { "x": 1 }\n',
      'true: 1\n',
      'null: 1\n',
      'Null: 1\n',
      'a: null\nb: true\nc: false\nd: 0\ne: -1.5\n',
      'a: [1,2]\n  b: 3\n',
      '- a\n',
      'a: b: c\n',
      'a: "unterminated\n',
      'a: v1\nkind: NetworkPolicy\nmetadata:\n  name: "x"\n',
    ];
    for (const text of cases) {
      // WHEN both readers read it THEN the results are the same
      assertSame(parseRendered(text), parseRenderedWithYaml(text), text);
    }
  });
});
