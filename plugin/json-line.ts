// JSON text on one line that every YAML reader reads back as the same value: what JSON.stringify
// prints, with the characters YAML 1.1 readers take for line breaks (NEL, LS, PS) escaped too.
// The json template helper prints values so, the check stage takes such text as canonical, and
// the YAML writer quotes strings so.

const LINE_BREAKS = /[\u0085\u2028\u2029]/g;
const HAS_LINE_BREAK = /[\u0085\u2028\u2029]/;
/** Printable ASCII but `"` and the backslash: JSON.stringify prints such a string as it is, in quotes. */
const PRINTABLE_UNESCAPED = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** undefined for what has no JSON form (undefined, functions, symbols), as JSON.stringify. */
export function jsonLine(value: unknown): string | undefined {
  // Most strings printed are names and labels: JSON.stringify's own per-call cost is most of theirs.
  if (typeof value === 'string' && PRINTABLE_UNESCAPED.test(value)) return `"${value}"`;
  const json = JSON.stringify(value);
  // Most values hold none: test first, so the common case allocates nothing more.
  if (json === undefined || !HAS_LINE_BREAK.test(json)) return json;
  return json.replace(LINE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
