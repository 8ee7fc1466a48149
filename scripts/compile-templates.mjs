// Build-time compiler of the built-in templates. Handlebars parses each one (its own parser, with
// its whitespace control); this turns the syntax tree into one plain JavaScript function that
// builds the resource the template's text would be read back as (plugin/check/parse-rendered.ts),
// and counts the bytes that text would have. A render then runs no template engine and reads no
// text back for the built-ins: no per-call Handlebars container, wrapped helpers or options
// objects, no line-by-line reading of what was just printed (docs/performance.md). Template
// overrides are still run by Handlebars and read back (plugin/render/templates.ts).
//
// It knows only what the built-ins use, and refuses anything else at build time:
//   text and {{!-- comments --}};
//   {{json name}}: a value of the context (an own property only, as Handlebars' runtime with
//     prototype access off; undefined when absent), printed by the `json` helper as the whole
//     value of a mapping key or a list item, so that it reads back as JSON.parse of what was
//     printed;
//   {{#if name}} ... {{else}} ... {{/if}}: Handlebars' `if` helper (false for falsy values, 0
//     included, and for empty arrays). Values are the plan's JSON data: never functions, which
//     Handlebars would call first.
// How: each way through the {{#if}}s is printed once here with a marker for every value, and read
// with the `yaml` package; the function builds the resource with one JSON.parse of what that
// reads as, each value's JSON in its marker's place.
// test/compiled-templates.test.ts holds every compiled function to Handlebars' text, read back.
import Handlebars from 'handlebars';
import { parseDocument } from 'yaml';

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

/**
 * Every way through a program's {{#if}}s: the conditions it takes (condition index → truthy) and
 * the pieces it prints in order, text or a value (`{ json: key, line }`).
 */
function ways(program, where, conditions) {
  let out = [{ taken: new Map(), pieces: [] }];
  const append = (more) => {
    out = out.flatMap((a) => more.map((b) => ({ taken: new Map([...a.taken, ...b.taken]), pieces: [...a.pieces, ...b.pieces] })));
  };
  for (const node of program.body) {
    if (node.type === 'CommentStatement') continue;
    if (node.type === 'ContentStatement') {
      if (node.value) append([{ taken: new Map(), pieces: [node.value] }]);
    } else if (node.type === 'MustacheStatement') {
      const key = helperCall(node, 'json', where);
      if (key === undefined) throw new Error(`${where(node)}: {{${node.path.original ?? ''} ...}} is not {{json name}}, the only output the compiled built-ins know`);
      append([{ taken: new Map(), pieces: [{ json: key, line: node.loc.start.line, at: where(node) }] }]);
    } else if (node.type === 'BlockStatement') {
      const key = helperCall(node, 'if', where);
      if (key === undefined || node.program.blockParams?.length) throw new Error(`${where(node)}: {{#${node.path.original ?? ''}}} is not {{#if name}}, the only block the compiled built-ins know`);
      const c = conditions.push(key) - 1;
      const yes = ways(node.program, where, conditions).map((w) => ({ taken: new Map([[c, true], ...w.taken]), pieces: w.pieces }));
      const no = (node.inverse ? ways(node.inverse, where, conditions) : [{ taken: new Map(), pieces: [] }]).map((w) => ({ taken: new Map([[c, false], ...w.taken]), pieces: w.pieces }));
      append([...yes, ...no]);
    } else {
      throw new Error(`${where(node)}: ${node.type} is not something the compiled built-ins know (text, comments, {{json name}}, {{#if name}})`);
    }
  }
  return out;
}

const MARK = (i) => `@@policy-bundle-value-${i}@@`;

/**
 * One way's resource as a JavaScript expression: a single JSON.parse of the skeleton's JSON with
 * value i's JSON (j<i>) where its marker stood, which reads back exactly as the text would (keys
 * in order, `__proto__` an own key as the `yaml` package makes it). Each value must stand alone
 * as the value of a key or a list item.
 */
function expression(file, pieces) {
  const text = pieces.map((p, i) => (typeof p === 'string' ? p : JSON.stringify(MARK(i)))).join('');
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, strict: true });
  if (doc.errors.length) throw new Error(`${file}:1:1: a way through the template is not YAML: ${doc.errors[0].message.split('\n')[0]}`);
  const root = doc.toJS({ maxAliasCount: 0 });
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new Error(`${file}:1:1: the template does not print one mapping`);
  const found = new Set();
  const visit = (v) => {
    if (typeof v === 'string' && v.includes('@@policy-bundle-value-')) {
      const i = pieces.findIndex((p, k) => typeof p !== 'string' && v === MARK(k));
      if (i < 0) throw new Error(`${file}:1:1: a value is printed inside other text; {{json name}} must be the whole value of a key or list item`);
      found.add(i);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('@@policy-bundle-value-')) throw new Error(`${file}:1:1: a value is printed as a key; {{json name}} must be the whole value of a key or list item`);
        visit(x);
      }
    }
  };
  visit(root);
  pieces.forEach((p, i) => {
    if (typeof p !== 'string' && !found.has(i)) throw new Error(`${p.at}: {{json ${p.json}}} is not the whole value of a key or list item`);
  });
  // The skeleton's JSON split at each marker's quoted text: static JSON, then j<i>, and so on.
  const parts = JSON.stringify(root).split(/"@@policy-bundle-value-(\d+)@@"/);
  const object = `JSON.parse(${parts.map((x, k) => (k % 2 ? `j${x}` : JSON.stringify(x))).filter((x) => x !== '""').join(' + ')})`;
  const bytes = pieces.reduce((n, p) => n + (typeof p === 'string' ? p.length : 0), 0);
  return { object, bytes };
}

/**
 * The source of a function `(v, json) => ({ object, bytes })` for a template: v the values,
 * json(value, line) the `json` helper (line: the template line that asked, for its error); object
 * the resource its text reads back as, bytes that text's length. Values are printed in the
 * template's order, so the first missing one fails as it would in Handlebars. `own` and `truthy`
 * are the helpers TEMPLATE_RUNTIME defines.
 */
export function compileTemplate(file, source) {
  const where = (node) => `${file}:${node.loc?.start.line ?? 1}:${(node.loc?.start.column ?? 0) + 1}`;
  const conditions = [];
  const all = ways(Handlebars.parse(source), where, conditions);
  const out = ['(v, json) => {'];
  conditions.forEach((key, c) => out.push(`  const c${c} = truthy(own(v, ${JSON.stringify(key)}));`));
  for (const [n, w] of all.entries()) {
    const test = [...w.taken].map(([c, yes]) => (yes ? `c${c}` : `!c${c}`)).join(' && ');
    const { object, bytes } = expression(file, w.pieces);
    const values = w.pieces.flatMap((p, i) => (typeof p === 'string' ? [] : [{ i, p }]));
    const body = [
      ...values.map(({ i, p }) => `const j${i} = json(own(v, ${JSON.stringify(p.json)}), ${p.line});`),
      `return { object: ${object}, bytes: ${[bytes, ...values.map(({ i }) => `j${i}.length`)].join(' + ')} };`,
    ];
    const last = n === all.length - 1;
    if (last) out.push(...body.map((l) => `  ${l}`));
    else out.push(`  if (${test || 'true'}) {`, ...body.map((l) => `    ${l}`), '  }');
  }
  out.push('}');
  return out.join('\n');
}

/** What the compiled functions share: Handlebars' own-property lookup and its `if` helper's test. */
export const TEMPLATE_RUNTIME = [
  'const own = (o, k) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);',
  'const truthy = (c) => !!c && !(Array.isArray(c) && c.length === 0);',
].join('\n');
