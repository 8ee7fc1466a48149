// Template functions: the built-ins were compiled to plain functions at build time
// (scripts/compile-templates.mjs: Handlebars' parser, then code that builds the resource their
// text reads back as), so a render without overrides runs no Handlebars and reads no text back.
// A repository override is checked (template-policy.ts) and compiled on demand by Handlebars, in
// its own environment: prototype access off, no helpers but `json` and the four safe blocks,
// strict mode, {{#each}} iterations counted. Every template's output is bounded per resource and
// for the bundle (limits.ts).
import type HandlebarsFull from 'handlebars';
import { UserError, type Problem } from '../errors.ts';
import { builtinTemplateFns } from '../load/builtins.ts';
import { DEFAULT_LIMITS, type Limits } from '../load/limits.ts';
import type { TemplateName } from '../plan/resource.ts';
import { jsonScalar, UndefinedValueError } from './json-scalar.ts';
import { checkTemplateAst, checkTemplateNesting } from './template-policy.ts';

/**
 * What a template call gives the check stage: an override's text, with the JSON texts the `json`
 * helper printed into it, in order (to be read back); or, from a compiled built-in, the resource
 * that text would read back as, and the text's length (scripts/compile-templates.mjs).
 */
export type TemplateOutput = { text: string; printedJson: string[] } | { object: Record<string, unknown>; bytes: number };

export type TemplateFn = (values: Record<string, unknown>) => TemplateOutput;
type TextFn = (values: Record<string, unknown>) => string;

export interface TemplateOverride {
  file: string;
  source: string;
}

type Hbs = typeof HandlebarsFull;

const RUNTIME_OPTIONS = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

const COMPILE_OPTIONS = { strict: true, knownHelpersOnly: true, knownHelpers: { json: true }, noEscape: true } as const;

interface HelperOptions {
  fn: (context: unknown, options?: unknown) => string;
  inverse: (context: unknown, options?: unknown) => string;
  loc?: { start: { line: number; column: number } };
}

/** Per-resource render budget of an override: {{#each}} iterations. */
class IterationBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

class TooManyIterations extends Error {}

/**
 * Where the `json` helper records what it prints during one template call (calls are synchronous
 * and never nested): JSON.stringify's own output, which the check stage then need not prove
 * canonical again (check/fast-yaml.ts).
 */
let printing: string[] | undefined;

/** The `json` helper, of the compiled built-ins and of overrides alike; line: the template line that asked. */
function printJson(v: unknown, line: number | undefined): string {
  try {
    const json = jsonScalar(v);
    printing?.push(json);
    // A plain string: overrides are compiled with noEscape, so nothing HTML-escapes it, and a
    // SafeString would only cost an object and two calls per value.
    return json;
  } catch (e) {
    if (e instanceof UndefinedValueError && line !== undefined) e.line = line;
    throw e;
  }
}

/** An isolated Handlebars environment: only the plugin's helper and the safe block helpers. */
function environment(hb: Hbs, budget?: IterationBudget): Hbs {
  const env = hb.create();
  for (const h of ['log', 'lookup']) env.unregisterHelper(h);
  env.registerHelper('json', (v: unknown, options: HelperOptions) => printJson(v, options?.loc?.start.line));
  if (budget) {
    // Nested {{#each}} multiplies: three levels over 1 000 items are a billion iterations. Count
    // every iteration of every level, whatever it prints.
    const each = env.helpers.each as (this: unknown, context: unknown, options: HelperOptions) => string;
    env.registerHelper('each', function (this: unknown, context: unknown, options: HelperOptions) {
      const fn = options.fn;
      const counted = (c: unknown, o?: unknown) => {
        if (++budget.used > budget.limit) throw new TooManyIterations();
        return fn(c, o);
      };
      return each.call(this, context, { ...options, fn: counted });
    });
  }
  return env;
}

function sizeError(file: string, values: Record<string, unknown>, bytes: number, limit: number): UserError {
  return new UserError({
    pos: { file, line: 1, column: 1 },
    message: `rendering ${JSON.stringify(String(values.namespace ?? ''))}/${JSON.stringify(String(values.name ?? ''))} produced more than ${limit} bytes (${bytes})`,
    hint: 'Kubernetes stores at most about 1.5 MiB per object; split the flows to this destination, or fix the template (docs/limits.md)',
  });
}

/**
 * The template functions of one render: built-ins, with the repository's overrides in their place.
 * Each call's output is bounded (maxResourceBytes) and so is the sum of all calls of this set
 * (maxBundleBytes): the state lives in the returned functions, one set per render.
 */
export async function loadTemplates(overrides: Map<string, TemplateOverride>, limits: Limits = DEFAULT_LIMITS): Promise<Map<TemplateName, TemplateFn>> {
  let bundleBytes = 0;
  const count = (file: string, values: Record<string, unknown>, bytes: number): void => {
    if (bytes > limits.maxResourceBytes) throw sizeError(file, values, bytes, limits.maxResourceBytes);
    bundleBytes += bytes;
    if (bundleBytes > limits.maxBundleBytes) {
      throw new UserError({
        pos: { file, line: 1, column: 1 },
        message: `the bundle is over ${limits.maxBundleBytes} bytes`,
        hint: 'Argo CD carries manifests in bounded gRPC messages; split the platform into several Applications (docs/limits.md)',
      });
    }
  };
  const bounded = (file: string, render: TextFn): TemplateFn => (values) => {
    const printedJson: string[] = [];
    printing = printedJson;
    let text: string;
    try {
      text = render(values);
    } finally {
      printing = undefined;
    }
    count(file, values, text.length);
    return { text, printedJson };
  };

  const out = new Map<TemplateName, TemplateFn>();
  for (const [name, build] of Object.entries(builtinTemplateFns)) {
    const file = `builtin:templates/${name}.yaml.hbs`;
    out.set(name as TemplateName, (values) => {
      const built = build(values, printJson);
      count(file, values, built.bytes);
      return built;
    });
  }
  if (overrides.size === 0) return out;
  const { default: Handlebars } = await import('handlebars');
  const problems: Problem[] = [];
  for (const [name, o] of overrides) {
    if (o.source.length > limits.maxTemplateBytes) {
      problems.push({ pos: { file: o.file, line: 1, column: 1 }, message: `template is ${o.source.length} characters, over the limit of ${limits.maxTemplateBytes}`, hint: 'a template describes one resource; the built-in ones are under 1 KiB (docs/limits.md)' });
      continue;
    }
    const nesting = checkTemplateNesting(o.file, o.source, limits.maxDepth);
    if (nesting) {
      problems.push({ ...nesting, hint: 'flatten the template (docs/limits.md)' });
      continue;
    }
    let ast;
    try {
      ast = Handlebars.parse(o.source);
    } catch (e) {
      const message = String((e as Error)?.message ?? e);
      const m = /line (\d+)/.exec(message);
      problems.push({
        pos: { file: o.file, line: Number(m?.[1] ?? 1), column: 1 },
        message: e instanceof RangeError ? `template nests deeper than the parser can follow` : `template syntax: ${message.split('\n')[0]!.slice(0, 200)}`,
        hint: 'fix the Handlebars syntax',
      });
      continue;
    }
    const bad = checkTemplateAst(o.file, ast as never);
    if (bad.length) {
      problems.push(...bad.map((b) => ({ ...b, hint: 'templates may only use {{json value}} and {{#if}}/{{#unless}}/{{#each}}/{{#with}} (docs/templates.md)' })));
      continue;
    }
    const budget = new IterationBudget(limits.maxTemplateIterations);
    const env = environment(Handlebars, budget);
    const t = env.compile(ast, COMPILE_OPTIONS);
    const fail = (line: number, message: string, hint: string) => new UserError({ pos: { file: o.file, line, column: 1 }, message, hint });
    out.set(
      name as TemplateName,
      bounded(o.file, (v) => {
        budget.used = 0;
        try {
          return t(v, RUNTIME_OPTIONS);
        } catch (e) {
          if (e instanceof UserError) throw e;
          if (e instanceof TooManyIterations) {
            throw fail(1, `template runs {{#each}} more than ${limits.maxTemplateIterations} times for one resource`, 'nested {{#each}} multiply; iterate each list once (docs/limits.md)');
          }
          // strict mode: a path through a missing value ("nope.x") fails inside Handlebars
          if (e instanceof UndefinedValueError || (e instanceof TypeError && /Cannot read propert/.test(e.message)) || /" not defined in /.test(String((e as Error)?.message))) {
            throw fail((e instanceof UndefinedValueError ? e.line : (e as { lineNumber?: number }).lineNumber) ?? 1, 'template asked for a value that is not defined', `the values of this template are: ${Object.keys(v).sort().join(', ')} (docs/templates.md)`);
          }
          if (e instanceof RangeError) throw fail(1, 'template failed: it nests or recurses too deeply', 'flatten the template');
          const message = String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 200);
          throw fail(1, `template failed: ${message}`, 'a template may only read the values the built-in template of the same name reads (docs/templates.md)');
        }
      }),
    );
  }
  if (problems.length) throw new UserError(problems);
  return out;
}
