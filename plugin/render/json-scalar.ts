// The only way a value reaches rendered YAML: as JSON, which YAML 1.2 reads as a flow scalar,
// sequence or mapping. Nothing in a value can end its scalar, start a key or a document.

/** Characters some YAML readers treat as line breaks (YAML 1.1: NEL, LS, PS) are escaped too. */
const LINE_BREAKS = /[\u0085\u2028\u2029]/g;

export function jsonScalar(value: unknown): string {
  if (value === undefined) throw new Error('template asked for an undefined value');
  return JSON.stringify(value).replace(LINE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
