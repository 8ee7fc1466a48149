// The built-in templates run as functions compiled at build time (scripts/compile-templates.mjs),
// not through Handlebars: each builds the resource its text would be read back as. For any
// values, what it builds must be what Handlebars' text for the same template and values reads back
// as (plugin/check/parse-rendered.ts), its byte count that text's length, and it must fail alike,
// at the same template line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { compileTemplate, TEMPLATE_RUNTIME } from '../scripts/compile-templates.mjs';
import { parseRendered } from '../plugin/check/parse-rendered.ts';
import { UserError } from '../plugin/errors.ts';
import { builtinTemplateFns, builtinTemplateSources } from '../plugin/load/builtins.ts';
import { DEFAULT_LIMITS } from '../plugin/load/limits.ts';
import { buildBundle } from '../plugin/pipeline.ts';
import { jsonScalar, UndefinedValueError } from '../plugin/render/json-scalar.ts';
import { PRACTICUS } from './helpers/cli.ts';

type Values = Record<string, unknown>;

/** A `json` helper that records what it prints, and the line that asked for an undefined value. */
function recorder() {
  const printed: string[] = [];
  const json = (v: unknown, line?: number) => {
    try {
      const s = jsonScalar(v);
      printed.push(s);
      return s;
    } catch (e) {
      if (e instanceof UndefinedValueError) e.line = line;
      throw e;
    }
  };
  return { printed, json };
}

// Handlebars' own environment as the plugin configures it for a template (plugin/render/templates.ts).
// It warns once per denied prototype property, which the test asks for: above its highest level (error, 3), silent.
Handlebars.logger.level = 4;
/** What a template call came to: the resource and the text's length, or the error. */
type Outcome = { object?: unknown; bytes?: number; error?: unknown };

function viaHandlebars(source: string): (v: Values) => Outcome {
  const env = Handlebars.create();
  let rec = recorder();
  env.registerHelper('json', (v: unknown, options: { loc?: { start: { line: number } } }) => rec.json(v, options?.loc?.start.line));
  const t = env.compile(source, { strict: true, knownHelpersOnly: true, knownHelpers: { json: true }, noEscape: true });
  return (v) => {
    rec = recorder();
    let text: string;
    try {
      text = t(v, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false, allowCallsToHelperMissing: false });
    } catch (error) {
      return { error };
    }
    const read = parseRendered(text, rec.printed);
    assert.ok('value' in read, `the built-in text does not read back: ${JSON.stringify(read)}\n${text}`);
    return { object: read.value, bytes: text.length };
  };
}

function viaCompiled(fn: (v: Values, json: (v: unknown, line: number) => string) => { object: unknown; bytes: number }): (v: Values) => Outcome {
  return (v) => {
    try {
      return fn(v, recorder().json);
    } catch (error) {
      return { error };
    }
  };
}

/** Equal values (deepStrictEqual: -0, prototypes) and the same key order everywhere. */
const order = (v: unknown): unknown => (Array.isArray(v) ? v.map(order) : typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => [k, order(x)]) : v);

function assertSame(want: Outcome, got: Outcome): void {
  assert.deepStrictEqual(got.object, want.object);
  assert.deepStrictEqual(order(got.object), order(want.object), 'key order');
  assert.equal(got.bytes, want.bytes);
  assert.equal(got.error instanceof UndefinedValueError, want.error instanceof UndefinedValueError, `errors: ${String(want.error)} / ${String(got.error)}`);
  if (want.error instanceof UndefinedValueError) assert.equal((got.error as UndefinedValueError).line, want.error.line);
  else assert.equal(got.error, undefined);
}

/** The value names a template reads ({{json x}}, {{#if x}}). */
const namesIn = (source: string) => [...new Set([...source.matchAll(/\{\{(?:json|#if) (\w+)\}\}/g)].map((m) => m[1]!))];

// Values as the plan gives them, and the edges of Handlebars' `if`: 0, "", [], {}, null, false.
// (strings of any code points too, lone surrogates included: text with them is read back by the
// `yaml` package, the compiled built-ins' values by JSON.parse)
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
  fc.constantFrom(0, -0, '', [], {}, null, false, true, [0], 'true', 'a\u2028b', '\ud800', 'é\u0085'),
);

describe('built-in templates compiled at build time', () => {
  it('are the templates under templates/, every one', () => {
    assert.deepEqual(Object.keys(builtinTemplateFns).sort(), Object.keys(builtinTemplateSources).sort());
    assert.equal(Object.keys(builtinTemplateFns).length, 6);
  });

  for (const [name, source] of Object.entries(builtinTemplateSources)) {
    const names = namesIn(source);
    const reference = viaHandlebars(source);
    const compiled = viaCompiled(builtinTemplateFns[name]!);

    it(`${name}: builds what Handlebars' text reads back as, for any values (fast-check)`, () => {
      assert.ok(names.length >= 3, `reads ${names.join(', ')}`);
      fc.assert(
        fc.property(fc.record(Object.fromEntries(names.map((n) => [n, value])), { requiredKeys: [] }), (v) => assertSame(reference(v), compiled(v as Values))),
        { numRuns: 400 },
      );
    });

    it(`${name}: a missing value fails at the same template line, and an inherited one is not read`, () => {
      const full = Object.fromEntries(names.map((n) => [n, n === 'action' ? 'ALLOW' : ['x']]));
      const ok = reference(full);
      assert.equal(ok.error, undefined);
      assertSame(ok, compiled(full));
      for (const n of names) {
        const { [n]: _, ...without } = full;
        const r = reference(without);
        assertSame(r, compiled(without));
        const inherited = Object.assign(Object.create({ [n]: full[n] }), without) as Values;
        assertSame(reference(inherited), compiled(inherited));
      }
    });
  }

  it('compiles shapes the built-ins do not use yet as Handlebars runs them: nested and chained blocks, odd keys, list items', () => {
    const sources = [
      'apiVersion: v1\nkind: K\nmetadata:\n  name: {{json a}}\n{{#if b}}\nspec:\n{{#if c}}\n  c: {{json c}}\n{{else if d}}\n  d: {{json d}}\n{{else}}\n  none: true\n{{/if}}\n{{/if}}\n',
      'kind: K\nmetadata:\n  __proto__: {{json a}}\n  "8080": {{json b}}\n  constructor: x\n',
      'kind: K\nitems:\n- {{json a}}\n- static\n- {{json b}}\n',
    ];
    for (const source of sources) {
      const fn = new Function(`${TEMPLATE_RUNTIME}\nreturn ${compileTemplate('templates/t.yaml.hbs', source)};`)();
      const reference = viaHandlebars(source);
      const compiled = viaCompiled(fn);
      fc.assert(fc.property(fc.record({ a: value, b: value, c: value, d: value }, { requiredKeys: [] }), (v) => assertSame(reference(v), compiled(v as Values))), { numRuns: 200 });
    }
  });

  it('a compiled built-in counts its bytes against the per-resource and the bundle limits, as the text would', async () => {
    const refused = async (limits: Partial<typeof DEFAULT_LIMITS>) => {
      try {
        await buildBundle({ dir: PRACTICUS, env: 'prod', limits: { ...DEFAULT_LIMITS, ...limits } });
      } catch (e) {
        assert.ok(e instanceof UserError, String(e));
        return e.problems[0]!;
      }
      assert.fail('rendered within limits it exceeds');
    };
    const one = await refused({ maxResourceBytes: 400 });
    assert.match(one.message, /^rendering "[a-z-]+"\/"[a-z-]+" produced more than 400 bytes \(\d+\)$/);
    assert.match(String(one.pos?.file), /^builtin:templates\/[a-z-]+\.yaml\.hbs$/);
    const all = await refused({ maxBundleBytes: 20_000 });
    assert.equal(all.message, 'the bundle is over 20000 bytes');
    // the example's bundle (51 KiB as printed) fits both limits as they are
    const ok = await buildBundle({ dir: PRACTICUS, env: 'prod' });
    assert.ok(ok.text.length > 20_000);
  });

  it('the compiler refuses, at the template line, what it cannot compile as Handlebars would run it', () => {
    for (const [source, at, what] of [
      ['a: {{name}}\n', '1:4', /is not \{\{json name\}\}/],
      ['a: {{json a.b}}\n', '1:11', /only a plain value name/],
      ['a: {{json this}}\n', '1:11', /only a plain value name/],
      ['a: {{json ../x}}\n', '1:11', /only a plain value name/],
      ['x:\n{{#each xs}}\n  - {{json this}}\n{{/each}}\n', '2:1', /is not \{\{#if name\}\}/],
      ['{{#if a}}\n{{> partial}}\n{{/if}}\n', '2:1', /PartialStatement/],
      ['a: {{json x y}}\n', '1:4', /is not \{\{json name\}\}/],
      // and a value that would not read back as the whole JSON it printed
      ['a: x{{json y}}\n', '1:1', /printed inside other text/],
      ['{{json k}}: 1\n', '1:1', /printed as a key/],
      ['a: [{{json x}}\n', '1:1', /is not YAML/],
      ['a: {{json x}}{{json y}}\n', '1:1', /is not YAML/],
    ] as const) {
      assert.throws(() => compileTemplate('templates/t.yaml.hbs', source), (e: Error) => e.message.startsWith(`templates/t.yaml.hbs:${at}: `) && what.test(e.message), source);
    }
  });
});
