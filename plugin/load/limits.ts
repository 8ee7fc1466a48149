// Bounds on what a repository may make the plugin do. Anyone who can open a pull request can put
// files in front of the plugin, so every resource it spends (bytes read, parser work, nodes, output)
// is bounded here, each with its own message. The defaults fit a platform ten times larger than the
// largest realistic one (200 modules, 2 000 workloads, 5 000 flows, ~1 MB of platform.yaml: the
// `bench/generate.mjs --modules 200` platform); docs/limits.md gives the reasoning for each.
export interface Limits {
  /** bytes per input file */
  maxFileBytes: number;
  /** bytes of all the files read from one repository together */
  maxTotalBytes: number;
  /** entries (of any kind) in environments/ or templates/ */
  maxFilesPerFolder: number;
  /** nesting depth of a YAML document, and of blocks in a template */
  maxDepth: number;
  /**
   * YAML nodes per file: estimated before parsing from the file's structure characters (line
   * breaks and indicators), so the parser never starts on a file it cannot afford, and counted
   * exactly after alias expansion
   */
  maxNodes: number;
  /** the same estimate summed over every YAML file of the repository */
  maxTotalNodes: number;
  /** alias references expanded in one file (billion-laughs guard) */
  maxAliases: number;
  /**
   * nodes that aliases may add to one file: at most as many as the file's own structure count,
   * and at least this many
   */
  minAliasNodes: number;
  /** characters in one YAML scalar (a key or a value) */
  maxScalarLength: number;
  /** `extends` chain length */
  maxExtendsDepth: number;
  maxModules: number;
  maxWorkloads: number;
  maxFlows: number;
  /** items of any one list or map inside a module, workload, flow, route or monitoring */
  maxListItems: number;
  /** bytes of one template override */
  maxTemplateBytes: number;
  /** {{#each}} iterations while rendering one resource */
  maxTemplateIterations: number;
  /** bytes of one rendered resource (the API server's etcd stores at most ~1.5 MiB per object) */
  maxResourceBytes: number;
  /** bytes of every rendered resource together */
  maxBundleBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFileBytes: 16 * MiB,
  maxTotalBytes: 48 * MiB,
  maxFilesPerFolder: 500,
  maxDepth: 64,
  maxNodes: 2_000_000,
  maxTotalNodes: 3_000_000,
  maxAliases: 1000,
  minAliasNodes: 1000,
  maxScalarLength: 1024,
  maxExtendsDepth: 16,
  maxModules: 2000,
  maxWorkloads: 20_000,
  maxFlows: 50_000,
  maxListItems: 256,
  maxTemplateBytes: 256 * 1024,
  maxTemplateIterations: 1_000_000,
  maxResourceBytes: 1536 * 1024,
  maxBundleBytes: 128 * MiB,
});
