// Types for scripts/compile-templates.mjs (a build script, plain JavaScript).
/** The source of a function `(v, json) => ({ object, bytes })`: the resource the template's text reads back as, and that text's length; throws `file:line:col: ...` for what it cannot compile. */
export function compileTemplate(file: string, source: string): string;
/** The helpers the compiled functions share (own-property lookup, the `if` test), as source. */
export const TEMPLATE_RUNTIME: string;
