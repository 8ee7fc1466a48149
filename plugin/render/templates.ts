// Template functions: built-ins were precompiled at build time (only Handlebars' runtime loads);
// a repository override is checked (template-policy.ts) and compiled on demand.
import type HandlebarsFull from 'handlebars';
import runtimeModule from 'handlebars/runtime.js';
import { UserError } from '../errors.ts';
import { builtinTemplateSpecs } from '../load/builtins.ts';
import type { TemplateName } from '../plan/resource.ts';
import { jsonScalar } from './json-scalar.ts';
import { checkTemplateAst } from './template-policy.ts';

export type TemplateFn = (values: Record<string, unknown>) => string;

export interface TemplateOverride {
  file: string;
  source: string;
}

type Hbs = typeof HandlebarsFull;
// The runtime build has the same API minus the compiler; its bundled typings say less.
const HandlebarsRuntime = runtimeModule as unknown as Hbs;

const RUNTIME_OPTIONS = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

/** An isolated Handlebars environment: only the plugin's helper and the safe block helpers. */
function environment(hb: Hbs): Hbs {
  const env = hb.create();
  for (const h of ['log', 'lookup']) env.unregisterHelper(h);
  env.registerHelper('json', (v: unknown) => new env.SafeString(jsonScalar(v)));
  return env;
}

let runtimeEnv: Hbs | undefined;

export async function loadTemplates(overrides: Map<string, TemplateOverride>): Promise<Map<TemplateName, TemplateFn>> {
  runtimeEnv ??= environment(HandlebarsRuntime);
  const out = new Map<TemplateName, TemplateFn>();
  for (const [name, spec] of Object.entries(builtinTemplateSpecs)) {
    const t = runtimeEnv.template(spec as never);
    out.set(name as TemplateName, (v) => t(v, RUNTIME_OPTIONS));
  }
  if (overrides.size === 0) return out;
  const { default: Handlebars } = await import('handlebars');
  const env = environment(Handlebars);
  const problems = [];
  for (const [name, o] of overrides) {
    let ast;
    try {
      ast = Handlebars.parse(o.source);
    } catch (e) {
      const m = /line (\d+)/.exec((e as Error).message);
      problems.push({ pos: { file: o.file, line: Number(m?.[1] ?? 1), column: 1 }, message: `template syntax: ${(e as Error).message.split('\n')[0]}`, hint: 'fix the Handlebars syntax' });
      continue;
    }
    const bad = checkTemplateAst(o.file, ast as never);
    if (bad.length) {
      problems.push(...bad.map((b) => ({ ...b, hint: 'templates may only use {{json value}} and {{#if}}/{{#unless}}/{{#each}}/{{#with}}' })));
      continue;
    }
    const t = env.compile(ast, { strict: true, knownHelpersOnly: true, knownHelpers: { json: true }, noEscape: true });
    out.set(name as TemplateName, (v) => {
      try {
        return t(v, RUNTIME_OPTIONS);
      } catch (e) {
        throw new UserError({ pos: { file: o.file, line: 1, column: 1 }, message: `template failed: ${(e as Error).message.split('\n')[0]}`, hint: 'a template may only read the values the built-in template of the same name reads (docs/templates.md)' });
      }
    });
  }
  if (problems.length) throw new UserError(problems);
  return out;
}
