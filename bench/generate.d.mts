// Types of bench/generate.mjs, for the tests that render its synthetic platforms.
export interface PlatformOptions {
  modules: number;
  workloadsPerModule: number;
  flows: number;
  /** how many modules get a canary route (default: every other module) */
  routes?: number;
  /** the random seed (default 42) */
  seed?: number;
  /** metadata.name of the platform (default "synthetic") */
  name?: string;
}

export interface GeneratedPlatform {
  /** repository path → content: platform.yaml and environments/{dev,staging,prod}.yaml */
  files: Record<string, string>;
  counts: { modules: number; workloads: number; flows: number; routes: number };
}

export function generatePlatform(o: PlatformOptions): GeneratedPlatform;
export function writePlatform(dir: string, files: Record<string, string>): void;
