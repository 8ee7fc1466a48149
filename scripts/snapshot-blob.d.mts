// Types for scripts/snapshot-blob.mjs (a build script, plain JavaScript).
/** The blob with an empty built-in code cache, or undefined when its layout is not the known one. */
export function withoutBuiltinCodeCache(blob: Buffer): Buffer | undefined;
