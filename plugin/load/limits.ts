// Bounds on what a repository may make the plugin do. Defaults fit a platform ten times larger than
// the largest realistic one (docs/limits.md); every limit has its own message.
export interface Limits {
  /** bytes per input file */
  maxFileBytes: number;
  /** files in environments/ or templates/ */
  maxFilesPerFolder: number;
  /** nesting depth of a YAML document */
  maxDepth: number;
  /** YAML nodes produced by one file, aliases expanded (billion-laughs guard) */
  maxNodes: number;
  /** alias references in one file */
  maxAliases: number;
  /** `extends` chain length */
  maxExtendsDepth: number;
  maxModules: number;
  maxWorkloads: number;
  maxFlows: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 16 * 1024 * 1024,
  maxFilesPerFolder: 1000,
  maxDepth: 64,
  maxNodes: 2_000_000,
  maxAliases: 1000,
  maxExtendsDepth: 16,
  maxModules: 10_000,
  maxWorkloads: 100_000,
  maxFlows: 250_000,
};
