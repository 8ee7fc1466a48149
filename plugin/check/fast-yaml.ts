// A reader for exactly the YAML in the built-in templates' layout (what an override that keeps it
// prints; the built-ins themselves hand over the resource: scripts/compile-templates.mjs), and
// nothing else: block mappings indented by two spaces whose values are either a nested block
// mapping, a plain word
// (`kind: NetworkPolicy`, `apiVersion: networking.k8s.io/v1`) or one line of canonical JSON from the
// `json` helper (`labels: {"app":"x"}`). For such text it returns what the `yaml` package returns
// (YAML 1.2 reads JSON as flow collections and double-quoted scalars), about 20 times faster; for
// anything else it returns undefined and the caller uses the `yaml` package, so template overrides
// and every error message are read exactly as before. test/parse-rendered.test.ts holds the two
// readers to the same results.
//
// A JSON value must be canonical (what ../json-line.ts prints) for JSON.parse to read it as YAML
// does. The render stage says which texts the `json` helper printed, in order: jsonLine's own
// output, canonical by construction, so such a value is not stringified again to prove it
// (a tenth of this reader's time). Any other value — a template override's literal text, or the
// helper's output moved elsewhere — is proved as before; the evidence never changes a result.
import { jsonLine } from '../json-line.ts';

type Obj = Record<string, unknown>;

/** Printable ASCII and line feeds only: no tabs, CR, control, non-ASCII or BOM to reason about. */
const SAFE_TEXT = /^[\x20-\x7e\n]*$/;
const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
/** Plain words YAML 1.2's core schema reads as booleans or null rather than strings. */
const RESERVED = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;
const NOT = Symbol('not fast');

function scalarOrJson(raw: string, printed: boolean): unknown {
  const c = raw.charCodeAt(0);
  // {, [, ", "-" and digits start JSON text; true, false and null are JSON words YAML reads alike.
  if (c === 123 || c === 91 || c === 34 || c === 45 || (c >= 48 && c <= 57) || raw === 'true' || raw === 'false' || raw === 'null') {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return NOT;
    }
    // Canonical text only: no duplicate keys, spaces, comments, -0, 1e400 or lossy integers.
    // (Keys such as __proto__ or of over 1024 characters: yaml reads them as JSON.parse does.)
    if (!printed && jsonLine(v) !== raw) return NOT;
    return v;
  }
  // A plain word is a string unless YAML reads it as a boolean or null (True, NULL, ...).
  return PLAIN.test(raw) && !RESERVED.test(raw) ? raw : NOT;
}

/**
 * The mapping the text holds, or undefined when the text is not of the restricted form (the
 * caller then parses it with the `yaml` package, which also explains what is wrong with it).
 * printedJson: the texts the `json` helper printed into text, in order (see above).
 */
export function parseTemplateYaml(text: string, printedJson: readonly string[] = []): Obj | undefined {
  if (text.length === 0 || !SAFE_TEXT.test(text)) return undefined;
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  const root: Obj = {};
  const objs: Obj[] = [root];
  const indents: number[] = [0];
  let opened = false; // the previous line was `key:`, so this one must be its first child
  let printed = 0; // printedJson[printed] is the next value the helper printed
  let pos = 0;
  while (pos <= end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    let indent = pos;
    while (text.charCodeAt(indent) === 32) indent++;
    indent -= pos;
    const colon = text.indexOf(':', pos + indent);
    if (colon < 0 || colon > nl) return undefined;
    const key = text.slice(pos + indent, colon);
    if (!KEY.test(key) || RESERVED.test(key)) return undefined;
    let depth = objs.length - 1;
    if (!opened) {
      while (indent < indents[depth]!) depth--;
      objs.length = indents.length = depth + 1;
    }
    if (indent !== indents[depth]) return undefined;
    opened = false;
    const obj = objs[depth]!;
    if (Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
    if (colon === nl - 1) {
      const child: Obj = {};
      obj[key] = child;
      objs.push(child);
      indents.push(indent + 2);
      opened = true;
    } else {
      if (text.charCodeAt(colon + 1) !== 32) return undefined;
      const raw = text.slice(colon + 2, nl);
      const isPrinted = raw === printedJson[printed];
      if (isPrinted) printed++;
      const v = scalarOrJson(raw, isPrinted);
      if (v === NOT) return undefined;
      obj[key] = v;
    }
    pos = nl + 1;
  }
  return opened ? undefined : root;
}
