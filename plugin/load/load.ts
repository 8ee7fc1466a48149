// Load stage: reads the user's repository (platform.yaml, environments/, templates/) over the
// built-in layer and composes one environment: the extends chain merged, the platform patched.
import { UserError, type SourcePos } from '../errors.ts';
import { dnsLabel } from '../schema/kubernetes-names.ts';
import { BUILTIN_PREFIX, builtinEnvironments, builtinTemplateSources } from './builtins.ts';
import { checkIntentSize } from './intent-size.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { keyPos } from './located.ts';
import { merge } from './merge.ts';
import { openRepository, type Repository } from './repository.ts';
import { parseYamlFile } from './yaml-source.ts';

export interface SourceFile {
  file: string;
  value: unknown;
}

export interface LoadedRepository {
  root: string;
  /** source positions are recorded on the values (see loadRepository) */
  positions: boolean;
  platform: SourceFile;
  /** repository environments by name (file basename) */
  environments: Map<string, SourceFile>;
  /** template overrides by template name */
  templates: Map<string, { file: string; source: string }>;
}

export interface ComposedEnvironment {
  name: string;
  /** files of the chain, most specific first */
  chain: SourceFile[];
  /** merged `spec.policy` of the chain (unvalidated) */
  policy: unknown;
  /** platform.yaml's `spec` with every overlay's `spec.platform` applied (unvalidated) */
  platformSpec: unknown;
  /** the chain passes through the built-in prod baseline, so its floor applies */
  floor: boolean;
  /** the raw platform document, for apiVersion/kind/metadata checks */
  platformDoc: SourceFile;
}

const get = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), v);

/**
 * `positions: false` reads the values without recording where each key came from (a map entry and
 * an object a key: ~8 % of a large render's memory), which only the wording of findings needs.
 * Render and generate read so, and read the repository again with positions when there is
 * something to say (pipeline.ts). Errors of reading itself (syntax, limits) carry their positions
 * either way.
 */
export function loadRepository(dir: string, limits: Limits = DEFAULT_LIMITS, { positions = true } = {}): LoadedRepository {
  const repo = openRepository(dir, limits);
  const yaml = repo.readYaml('platform.yaml');
  if (yaml === undefined) {
    throw new UserError({ message: `no platform.yaml in ${dir}`, hint: 'point --dir (or the Application\'s path) at the folder that holds platform.yaml' });
  }
  const platform = { file: 'platform.yaml', value: parseYamlFile('platform.yaml', yaml.text, limits, positions, yaml.structure).value };
  const environments = new Map<string, SourceFile>();
  for (const f of repo.list('environments', '.yaml')) {
    const file = `environments/${f}`;
    const env = repo.readYaml(file)!;
    environments.set(f.slice(0, -5), { file, value: parseYamlFile(file, env.text, limits, positions, env.structure).value });
  }
  return { root: repo.root, positions, platform, environments, templates: loadTemplates(repo) };
}

function loadTemplates(repo: Repository): LoadedRepository['templates'] {
  const out: LoadedRepository['templates'] = new Map();
  const problems = [];
  for (const f of repo.list('templates', '')) {
    const file = `templates/${f}`;
    const name = f.endsWith('.yaml.hbs') ? f.slice(0, -'.yaml.hbs'.length) : undefined;
    if (!name || !(name in builtinTemplateSources)) {
      problems.push({
        pos: { file, line: 1, column: 1 },
        message: `"${f}" replaces no built-in template`,
        hint: `a template override must be named after a built-in one: ${Object.keys(builtinTemplateSources).map((n) => `${n}.yaml.hbs`).join(', ')}`,
      });
      continue;
    }
    out.set(name, { file, source: repo.read(file)! });
  }
  if (problems.length) throw new UserError(problems);
  return out;
}

const builtinCache = new Map<string, SourceFile>();
/** A built-in environment, parsed when first asked for (a render needs one chain, not all). */
function builtin(name: string): SourceFile | undefined {
  if (!Object.hasOwn(builtinEnvironments, name)) return undefined;
  let f = builtinCache.get(name);
  if (!f) {
    const file = `${BUILTIN_PREFIX}environments/${name}.yaml`;
    f = { file, value: parseYamlFile(file, builtinEnvironments[name]!, DEFAULT_LIMITS).value };
    builtinCache.set(name, f);
  }
  return f;
}

export function builtinEnvironmentNames(): string[] {
  return Object.keys(builtinEnvironments).sort();
}

/** The environments a repository offers: its own files, plus the built-in baselines. */
export function environmentNames(loaded: LoadedRepository): string[] {
  return [...new Set([...loaded.environments.keys(), ...builtinEnvironmentNames()])].sort();
}

export function checkEnvironmentName(name: string, where?: SourcePos): void {
  if (!dnsLabel.safeParse(name).success) {
    throw new UserError({
      pos: where,
      message: `environment name ${JSON.stringify(name.slice(0, 80))} is not a DNS-1123 label`,
      hint: 'environment names are file names under environments/ such as dev, staging or prod: lower-case letters, digits and "-"',
    });
  }
}

/** Follows `extends` (repository file first, never the file itself, then built-in) and merges. */
export function composeEnvironment(loaded: LoadedRepository, name: string, limits: Limits = DEFAULT_LIMITS): ComposedEnvironment {
  checkEnvironmentName(name);
  const chain: SourceFile[] = [];
  const seen: string[] = [];
  let current: SourceFile | undefined = loaded.environments.get(name) ?? builtin(name);
  let currentIsBuiltin = !loaded.environments.has(name);
  let currentName = name;
  if (!current) {
    throw new UserError({
      message: `unknown environment "${name}"`,
      hint: `known environments: ${environmentNames(loaded).join(', ')}`,
    });
  }
  let floor = false;
  let edgePos: SourcePos | undefined; // the `extends` that led to `current`
  while (current) {
    const key = (currentIsBuiltin ? BUILTIN_PREFIX : '') + currentName;
    if (seen.includes(key)) {
      throw new UserError({
        pos: edgePos ?? { file: current.file, line: 1, column: 1 },
        message: `extends cycle: ${[...seen, key].join(' -> ')}`,
        hint: 'end the chain at a built-in baseline (dev, staging or prod)',
      });
    }
    if (seen.length >= limits.maxExtendsDepth) {
      throw new UserError({ pos: { file: current.file, line: 1, column: 1 }, message: `extends chain longer than ${limits.maxExtendsDepth}`, hint: 'shorten the chain' });
    }
    seen.push(key);
    chain.push(current);
    if (currentIsBuiltin && currentName === 'prod') floor = true;
    let parent = get(current.value, 'spec', 'extends');
    // A repository environment without extends builds on the built-in of its name (so a bare
    // environments/prod.yaml still gets the prod floor); built-in roots end the chain.
    if ((parent === undefined || parent === null) && !currentIsBuiltin && builtin(currentName)) parent = currentName;
    if (parent === undefined || parent === null) break;
    const parentPos = keyPos(get(current.value, 'spec'), 'extends');
    if (typeof parent !== 'string') throw new UserError({ pos: parentPos, message: 'extends must be an environment name', hint: 'e.g. extends: prod' });
    checkEnvironmentName(parent, parentPos);
    edgePos = parentPos;
    // A repository file extending its own name means the built-in of that name.
    const fromRepo = !currentIsBuiltin && parent !== currentName ? loaded.environments.get(parent) : undefined;
    current = fromRepo ?? builtin(parent);
    currentIsBuiltin = !fromRepo;
    currentName = parent;
    if (!current) {
      throw new UserError({
        pos: parentPos,
        message: `extends unknown environment "${parent}"`,
        hint: `extend one of: ${environmentNames(loaded).join(', ')}`,
      });
    }
  }
  let policy: unknown = {};
  let platformSpec: unknown = get(loaded.platform.value, 'spec') ?? {};
  for (const layer of [...chain].reverse()) {
    policy = merge(policy, get(layer.value, 'spec', 'policy'));
    platformSpec = merge(platformSpec, get(layer.value, 'spec', 'platform'));
  }
  checkIntentSize(platformSpec, limits, loaded.platform.file);
  return { name, chain, policy, platformSpec, floor, platformDoc: loaded.platform };
}

