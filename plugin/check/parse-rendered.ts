// Reads one rendered resource back (a template override's text; the compiled built-ins hand over
// the resource itself). More than one document, or anything but a mapping, means a template (or a
// value) tried to add content; both are refused.
// Text in the built-in templates' layout is read by a strict reader of just that form
// (fast-yaml.ts, the same result as the `yaml` package, many times faster); anything else — an
// override's own layout, or a broken document — goes to `yaml`.
import { parseAllDocuments } from 'yaml';
import { parseTemplateYaml } from './fast-yaml.ts';

/** printedJson: what the template's `json` helper printed into text, in order (fast-yaml.ts). */
export function parseRendered(text: string, printedJson?: readonly string[]): { value: Record<string, unknown> } | { error: string } {
  const fast = parseTemplateYaml(text, printedJson);
  if (fast) return { value: fast };
  return parseRenderedWithYaml(text);
}

/** The general reader: the `yaml` package, for any text. */
export function parseRenderedWithYaml(text: string): { value: Record<string, unknown> } | { error: string } {
  const docs = parseAllDocuments(text, { uniqueKeys: true, strict: true });
  if (!Array.isArray(docs)) return { error: 'rendered text is not YAML' };
  if (docs.length !== 1) return { error: `rendered ${docs.length} YAML documents instead of one` };
  const doc = docs[0]!;
  if (doc.errors.length) return { error: `rendered invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}` };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    return { error: `rendered YAML cannot be read: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'rendered document is not a mapping' };
  return { value: value as Record<string, unknown> };
}
