// Reads one rendered resource back. More than one document, or anything but a mapping, means a
// template (or a value) tried to add content; both are refused.
import { parseAllDocuments } from 'yaml';

export function parseRendered(text: string): { value: Record<string, unknown> } | { error: string } {
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
