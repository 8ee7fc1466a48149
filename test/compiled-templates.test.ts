// The built-in templates run as functions compiled at build time (scripts/compile-templates.mjs),
// not through Handlebars' runtime. Each must print exactly what Handlebars prints for the same
// template and values, with the same `json` calls in the same order, and fail alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { compileTemplate } from '../scripts/compile-templates.mjs';
import { builtinTemplateFns, builtinTemplateSources } from '../plugin/load/builtins.ts';
import { jsonScalar, UndefinedValueError } from '../plugin/render/json-scalar.ts';

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
function viaHandlebars(source: string): (v: Values) => { text?: string; printed: string[]; error?: unknown } {
  const env = Handlebars.create();
  let rec = recorder();
  env.registerHelper('json', (v: unknown, options: { loc?: { start: { line: number } } }) => rec.json(v, options?.loc?.start.line));
  const t = env.compile(source, { strict: true, knownHelpersOnly: true, knownHelpers: { json: true }, noEscape: true });
  return (v) => {
    rec = recorder();
    try {
      return { text: t(v, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false, allowCallsToHelperMissing: false }), printed: rec.printed };
    } catch (error) {
      return { error, printed: rec.printed };
    }
  };
}

function viaCompiled(fn: (v: Values, json: (v: unknown, line: number) => string) => string): (v: Values) => { text?: string; printed: string[]; error?: unknown } {
  return (v) => {
    const rec = recorder();
    try {
      return { text: fn(v, rec.json), printed: rec.printed };
    } catch (error) {
      return { error, printed: rec.printed };
    }
  };
}

function assertSame(a: ReturnType<ReturnType<typeof viaHandlebars>>, b: typeof a): void {
  assert.equal(b.text, a.text);
  assert.deepEqual(b.printed, a.printed);
  assert.equal(b.error instanceof UndefinedValueError, a.error instanceof UndefinedValueError, `errors: ${String(a.error)} / ${String(b.error)}`);
  if (a.error instanceof UndefinedValueError) assert.equal((b.error as UndefinedValueError).line, a.error.line);
}

/** The value names a template reads ({{json x}}, {{#if x}}). */
const namesIn = (source: string) => [...new Set([...source.matchAll(/\{\{(?:json|#if) (\w+)\}\}/g)].map((m) => m[1]!))];

// Values as the plan gives them, and the edges of Handlebars' `if`: 0, "", [], {}, null, false.
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(0, -0, '', [], {}, null, false, true, [0], 'true', 'a\u2028b'));

describe('built-in templates compiled at build time', () => {
  it('are the templates under templates/, every one', () => {
    assert.deepEqual(Object.keys(builtinTemplateFns).sort(), Object.keys(builtinTemplateSources).sort());
    assert.equal(Object.keys(builtinTemplateFns).length, 6);
  });

  for (const [name, source] of Object.entries(builtinTemplateSources)) {
    const names = namesIn(source);
    const reference = viaHandlebars(source);
    const compiled = viaCompiled(builtinTemplateFns[name]!);

    it(`${name}: prints what Handlebars prints, for any values (fast-check)`, () => {
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

  it('the compiler refuses, at the template line, what it cannot compile as Handlebars would run it', () => {
    for (const [source, at, what] of [
      ['a: {{name}}\n', '1:4', /is not \{\{json name\}\}/],
      ['a: {{json a.b}}\n', '1:11', /only a plain value name/],
      ['a: {{json this}}\n', '1:11', /only a plain value name/],
      ['a: {{json ../x}}\n', '1:11', /only a plain value name/],
      ['x:\n{{#each xs}}\n  - {{json this}}\n{{/each}}\n', '2:1', /is not \{\{#if name\}\}/],
      ['{{#if a}}\n{{> partial}}\n{{/if}}\n', '2:1', /PartialStatement/],
      ['a: {{json x y}}\n', '1:4', /is not \{\{json name\}\}/],
    ] as const) {
      assert.throws(() => compileTemplate('templates/t.yaml.hbs', source), (e: Error) => e.message.startsWith(`templates/t.yaml.hbs:${at}: `) && what.test(e.message), source);
    }
  });
});
