// Build-time compiler of the built-in templates: Handlebars parses each one (its own parser, with
// its whitespace control), and this turns the AST into one plain JavaScript function that prints
// what Handlebars' runtime prints for the same values. A render then runs no Handlebars at all for
// the built-ins: no per-call container, wrapped helpers, options objects or prototype-access
// checks, the largest part of the render stage's cold cost (docs/performance.md). Template
// overrides are still compiled and run by Handlebars itself (plugin/render/templates.ts).
//
// It knows only what the built-ins use, and refuses anything else at build time:
//   text and {{!-- comments --}};
//   {{json name}}: a value of the context, printed by the `json` helper (an own property only, as
//     Handlebars' runtime with prototype access off; undefined when absent);
//   {{#if name}} ... {{else}} ... {{/if}}: Handlebars' `if` helper (false for falsy values, 0
//     included, and for empty arrays). Values are the plan's JSON data: never functions, which
//     Handlebars would call first.
// test/compiled-templates.test.ts holds every compiled function to Handlebars' runtime output.
import Handlebars from 'handlebars';

/** A context value: `name` alone (no paths, `this`, `@data` or `../`). */
function valueName(param, where) {
  if (param?.type !== 'PathExpression' || param.data || param.depth !== 0 || param.parts.length !== 1 || param.original !== param.parts[0]) {
    throw new Error(`${where(param ?? {})}: only a plain value name may follow json or #if here, not ${JSON.stringify(param?.original ?? param?.type)}`);
  }
  return param.parts[0];
}

function helperCall(node, name, where) {
  if (node.path.type !== 'PathExpression' || node.path.original !== name || node.params.length !== 1 || (node.hash && node.hash.pairs.length)) return undefined;
  return valueName(node.params[0], where);
}

/** Statements → JavaScript statements appending to `s`: each run of text and values one `+=`. */
function statements(program, where, out, indent) {
  let run = [];
  const flush = () => {
    if (run.length) out.push(`${indent}s += ${run.join(' + ')};`);
    run = [];
  };
  for (const node of program.body) {
    if (node.type === 'CommentStatement') continue;
    if (node.type === 'ContentStatement') {
      if (node.value) run.push(JSON.stringify(node.value));
      continue;
    }
    if (node.type === 'MustacheStatement') {
      const key = helperCall(node, 'json', where);
      if (key === undefined) throw new Error(`${where(node)}: {{${node.path.original ?? ''} ...}} is not {{json name}}, the only output the compiled built-ins know`);
      run.push(`json(own(v, ${JSON.stringify(key)}), ${node.loc.start.line})`);
      continue;
    }
    if (node.type === 'BlockStatement') {
      const key = helperCall(node, 'if', where);
      if (key === undefined || node.program.blockParams?.length) throw new Error(`${where(node)}: {{#${node.path.original ?? ''}}} is not {{#if name}}, the only block the compiled built-ins know`);
      flush();
      out.push(`${indent}if (truthy(own(v, ${JSON.stringify(key)}))) {`);
      statements(node.program, where, out, `${indent}  `);
      if (node.inverse) {
        out.push(`${indent}} else {`);
        statements(node.inverse, where, out, `${indent}  `);
      }
      out.push(`${indent}}`);
      continue;
    }
    throw new Error(`${where(node)}: ${node.type} is not something the compiled built-ins know (text, comments, {{json name}}, {{#if name}})`);
  }
  flush();
}

/**
 * The source of a function `(v, json) => string` for a template: v the values, json(value, line)
 * the `json` helper (line: the template line that asked, for its error). `own` and `truthy` are
 * the helpers TEMPLATE_RUNTIME defines.
 */
export function compileTemplate(file, source) {
  const where = (node) => `${file}:${node.loc?.start.line ?? 1}:${(node.loc?.start.column ?? 0) + 1}`;
  const out = ['(v, json) => {', '  let s = "";'];
  statements(Handlebars.parse(source), where, out, '  ');
  out.push('  return s;', '}');
  return out.join('\n');
}

/** What the compiled functions share: Handlebars' own-property lookup and its `if` helper's test. */
export const TEMPLATE_RUNTIME = [
  'const own = (o, k) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);',
  'const truthy = (c) => !!c && !(Array.isArray(c) && c.length === 0);',
].join('\n');
