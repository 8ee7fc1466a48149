// The plugin's own environments and templates, embedded at build time (scripts/build.mjs).
export { builtinEnvironments, builtinTemplateSources, builtinTemplateFns } from '../generated/builtins.ts';

export const BUILTIN_PREFIX = 'builtin:';
