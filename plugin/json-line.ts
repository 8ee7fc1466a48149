// JSON text on one line that every YAML reader reads back as the same value: what JSON.stringify
// prints, with the characters YAML 1.1 readers take for line breaks (NEL, LS, PS) escaped too.
// The json template helper prints values so, the check stage takes such text as canonical, and
// the YAML writer quotes strings so.

const LINE_BREAKS = /[\u0085\u2028\u2029]/g;
const HAS_LINE_BREAK = /[\u0085\u2028\u2029]/;

/** undefined for what has no JSON form (undefined, functions, symbols), as JSON.stringify. */
export function jsonLine(value: unknown): string | undefined {
  const json = JSON.stringify(value);
  // Most values hold none: test first, so the common case allocates nothing more.
  if (json === undefined || !HAS_LINE_BREAK.test(json)) return json;
  return json.replace(LINE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
