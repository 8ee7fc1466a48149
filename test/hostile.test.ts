// Hostile repositories: anyone who can open a pull request can put files in front of the plugin.
// Each case is a repository built at test time in os.tmpdir() (symlinks and big files are never
// committed), run through the built CLI (dist/policy-bundle, the launcher) as Argo CD runs it, and must be
// refused: exit 2, one clear message on stderr naming the file, nothing on stdout, no stack
// trace, nothing of a file outside the repository echoed, in bounded time and memory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { describeError, registerCommand, run } from '../plugin/cli/main.ts';
import { UserError } from '../plugin/errors.ts';
import { checkIntentSize } from '../plugin/load/intent-size.ts';
import { DEFAULT_LIMITS } from '../plugin/load/limits.ts';
import { loadRepository } from '../plugin/load/load.ts';
import { yamlStructureCount } from '../plugin/load/yaml-precheck.ts';
import { cli, CLI, MINIMAL_PLATFORM, PRACTICUS, PROJECT } from './helpers/cli.ts';

const MiB = 1024 * 1024;
/** Generous: "bounded", not "fast" (a loaded CI machine, a cold start). */
const MAX_MS = 10_000;
const MAX_RSS_KB = 512 * 1024;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const scratch = mkdtempSync(join(tmpdir(), 'pb-hostile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Outside the repository: a secret, written so that a YAML or template error quoting it would show.
const SECRET = `SECRET-${randomUUID()}`;
const outside = join(scratch, 'outside');
mkdirSync(join(outside, 'environments'), { recursive: true });
const secretText = `root:x:0:0:${SECRET}:/root:/bin/bash\n${SECRET}: [unclosed\n  "${SECRET}\n{{${SECRET}}}\n`;
for (const f of ['secret.yaml', 'environments/prod.yaml', 'environments/staging.yaml']) writeFileSync(join(outside, f), secretText);

let n = 0;
/** A copy of examples/practicus with these changes (path → text), in the scratch folder. */
function repo(files: Record<string, string> = {}): string {
  const dir = join(scratch, `repo-${++n}`);
  cpSync(PRACTICUS, dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  rssKB?: number;
}

/** The built CLI in a child process, as Argo CD runs it: its own environment only. */
function spawnCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Spawned {
  const timeFile = join(scratch, `time-${randomUUID()}`);
  const cmd = TIME ? [TIME, '-f', '%M', '-o', timeFile, CLI, ...args] : [CLI, ...args];
  const start = Date.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: opts.cwd ?? scratch,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 256 * MiB,
  });
  const ms = Date.now() - start;
  let rssKB: number | undefined;
  if (TIME && existsSync(timeFile)) {
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop();
    rssKB = Number(last);
    rmSync(timeFile, { force: true });
  }
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms, rssKB };
}

function assertBounded(r: Spawned): void {
  assert.ok(r.ms < MAX_MS, `took ${r.ms} ms`);
  if (r.rssKB !== undefined && Number.isFinite(r.rssKB)) assert.ok(r.rssKB < MAX_RSS_KB, `used ${r.rssKB} KB`);
}

/** Refused: exit 2, the message on stderr, nothing on stdout, no stack, no secret, bounded. */
function assertRefused(r: Spawned, message: RegExp): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 500)}`);
  assert.equal(r.code, 2, r.stderr.slice(0, 2000));
  assert.equal(r.stdout, '', 'nothing reaches stdout');
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error/);
  for (const out of [r.stdout, r.stderr]) {
    assert.ok(!out.includes(SECRET), 'content of a file outside the repository leaked');
    assert.ok(!out.includes('root:x:0:0'), 'content of a file outside the repository leaked');
  }
  assertBounded(r);
}

/** The tests' minimal platform with a labelled module and a module flow, so these cases do not depend on the example's text. */
const BASE =
  MINIMAL_PLATFORM.replace('metadata: {name: demo}', 'metadata: {name: hostile}').replace('  modules:\n', '  modules:\n    data-prep: {labels: {practicus-module: data-prep}}\n') +
  '    - from: {module: data-prep}\n      to:   {module: model-serving}\n      ports: [8080]\n';

/** A repository holding only platform.yaml: BASE with one change (which must apply). */
function baseRepo(from?: string | RegExp, to?: string): string {
  const text = from === undefined ? BASE : BASE.replace(from, to!);
  if (from !== undefined) assert.notEqual(text, BASE, `the change ${String(from)} applies`);
  const dir = join(scratch, `base-${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'platform.yaml'), text);
  return dir;
}

/** BASE with these extra files (templates/..., environments/...). */
function baseWith(files: Record<string, string>): string {
  const dir = baseRepo();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const render = (dir: string, env = 'prod') => spawnCli(['render', '--env', env, '--dir', dir]);
const builtinTemplate = (name: string) => readFileSync(join(PROJECT, 'templates', `${name}.yaml.hbs`), 'utf8');

describe('hostile repositories: paths stay inside the repository', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['platform.yaml is a symlink out', (d) => (rmSync(join(d, 'platform.yaml')), symlinkSync(join(outside, 'secret.yaml'), join(d, 'platform.yaml'))), /^platform\.yaml:1:1: refusing to read "platform\.yaml": it resolves \(through a symlink\) outside the repository/m],
    ['environments/prod.yaml is a symlink out', (d) => (rmSync(join(d, 'environments/prod.yaml')), symlinkSync(join(outside, 'secret.yaml'), join(d, 'environments/prod.yaml'))), /refusing to read "environments\/prod\.yaml": it resolves \(through a symlink\) outside/],
    ['another environment file is a symlink out (not even the one rendered)', (d) => symlinkSync(join(outside, 'secret.yaml'), join(d, 'environments/evil.yaml')), /refusing to read "environments\/evil\.yaml"/],
    ['environments/ itself is a symlink out', (d) => (rmSync(join(d, 'environments'), { recursive: true }), symlinkSync(join(outside, 'environments'), join(d, 'environments'))), /refusing to read "environments": it resolves \(through a symlink\) outside/],
    ['templates/network-policy.yaml.hbs is a symlink out', (d) => (mkdirSync(join(d, 'templates')), symlinkSync(join(outside, 'secret.yaml'), join(d, 'templates/network-policy.yaml.hbs'))), /refusing to read "templates\/network-policy\.yaml\.hbs": it resolves \(through a symlink\) outside/],
    ['templates/ itself is a symlink out', (d) => symlinkSync(outside, join(d, 'templates')), /refusing to read "templates": it resolves \(through a symlink\) outside/],
    ['a relative symlink climbing out with ..', (d) => (rmSync(join(d, 'platform.yaml')), symlinkSync('../outside/secret.yaml', join(d, 'platform.yaml'))), /refusing to read "platform\.yaml": it resolves \(through a symlink\) outside/],
    ['a dangling symlink', (d) => (rmSync(join(d, 'platform.yaml')), symlinkSync(join(outside, 'missing.yaml'), join(d, 'platform.yaml'))), /refusing to read "platform\.yaml": it is a symlink to a file that does not exist/],
    ['a symlink loop', (d) => (rmSync(join(d, 'platform.yaml')), symlinkSync('platform.yaml', join(d, 'platform.yaml'))), /refusing to read "platform\.yaml": a symlink loop/],
  ];
  for (const [name, setup, message] of cases) {
    it(`refuses ${name}, naming the file, before reading it`, () => {
      const dir = repo();
      setup(dir);
      assertRefused(render(dir), message);
    });
  }

  it('accepts symlinks that stay inside the repository, and a repository root that is a symlink', () => {
    const dir = repo();
    mkdirSync(join(dir, 'shared'));
    cpSync(join(dir, 'environments/prod.yaml'), join(dir, 'shared/prod.yaml'));
    rmSync(join(dir, 'environments/prod.yaml'));
    symlinkSync('../shared/prod.yaml', join(dir, 'environments/prod.yaml'));
    const link = join(scratch, `root-link-${++n}`);
    symlinkSync(dir, link);
    const r = render(link);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, render(PRACTICUS).stdout);
  });

  it('refuses ".." and absolute paths in environment names: --env, ARGOCD_ENV_ENVIRONMENT, ARGOCD_APP_PARAMETERS, extends', () => {
    const dir = repo();
    assertRefused(render(dir, '../x'), /environment name "\.\.\/x" is not a DNS-1123 label/);
    assertRefused(render(dir, '/etc/passwd'), /environment name "\/etc\/passwd" is not a DNS-1123 label/);
    assertRefused(spawnCli(['generate'], { cwd: dir, env: { ARGOCD_ENV_ENVIRONMENT: '../../etc/passwd' } }), /environment name "\.\.\/\.\.\/etc\/passwd" is not a DNS-1123 label/);
    const params = JSON.stringify([{ name: 'environment', string: '../outside/environments/prod' }]);
    assertRefused(spawnCli(['generate'], { cwd: dir, env: { ARGOCD_APP_PARAMETERS: params, ARGOCD_ENV_ENVIRONMENT: 'prod' } }), /environment name "\.\.\/outside\/environments\/prod" is not a DNS-1123 label/);
    const up = repo({ 'environments/prod.yaml': 'apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: prod}\nspec:\n  extends: ../../outside/environments/prod\n' });
    assertRefused(render(up), /^environments\/prod\.yaml:5:3: environment name "\.\.\/\.\.\/outside\/environments\/prod" is not a DNS-1123 label/m);
  });

  it('refuses a FIFO or a folder where a file should be, without blocking on it', (t) => {
    const dir = repo();
    rmSync(join(dir, 'platform.yaml'));
    const made = spawnSync('mkfifo', [join(dir, 'platform.yaml')]);
    if (made.status !== 0) return t.skip('mkfifo is not available');
    assertRefused(render(dir), /refusing to read "platform\.yaml": not a regular file/);
    const folder = repo();
    rmSync(join(folder, 'environments/prod.yaml'));
    mkdirSync(join(folder, 'environments/prod.yaml'));
    assertRefused(render(folder), /refusing to read "environments\/prod\.yaml": it is a folder/);
  });
});

describe('hostile repositories: sizes and shapes are bounded', () => {
  it('refuses a 64 MiB platform.yaml from its size, without reading it', () => {
    const dir = repo();
    const fd = openSync(join(dir, 'platform.yaml'), 'w');
    ftruncateSync(fd, 64 * MiB);
    closeSync(fd);
    assertRefused(render(dir), /^platform\.yaml:1:1: file is 67108864 bytes, over the limit of 16777216/m);
  });

  it('refuses a YAML bomb (billion laughs) in an environment file', () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
    assertRefused(render(repo({ 'environments/prod.yaml': lines.join('\n') + '\n' })), /^environments\/prod\.yaml:\d+:\d+: YAML aliases expand to more than 1000 nodes/m);
  });

  it('refuses many alias references even when each expands to little', () => {
    const text = `a: &a x\nb: [${Array(1500).fill('*a').join(', ')}]\n`;
    assertRefused(render(repo({ 'environments/prod.yaml': text })), /more than 1000 YAML alias expansions/);
  });

  const deep: [string, string][] = [
    ['flow sequences [[[[', 'spec: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n'],
    ['flow mappings {a: {a: ...', 'spec: ' + '{a: '.repeat(10_000) + 'x' + '}'.repeat(10_000) + '\n'],
    ['compact block sequences - - - -', '- '.repeat(10_000) + 'x\n'],
    ['compact explicit keys ? ? ? ?', '? '.repeat(10_000) + 'x\n'],
    ['indented block mappings (2 000 levels, one space each)', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k:\n`).join('')],
    ['flow nesting hidden after a quote inside a plain scalar', "a: b 'c\nspec: " + '['.repeat(10_000) + ']'.repeat(10_000) + "\nd: '\n"],
  ];
  for (const [name, text] of deep) {
    it(`refuses 10 000-deep nesting: ${name}`, () => {
      assertRefused(render(repo({ 'platform.yaml': text })), /^platform\.yaml:\d+:\d+: nesting deeper than 64 levels/m);
    });
  }

  it('refuses a file of YAML garbage with a short list of errors, not one per token', () => {
    const r = render(repo({ 'platform.yaml': ']'.repeat(100_000) }));
    assertRefused(r, /^platform\.yaml:1:1: YAML: /m);
    assert.match(r.stderr, /\.\.\. and \d+ more YAML errors in this file/);
    assert.ok(r.stderr.length < 10_000, `stderr is ${r.stderr.length} characters`);
  });

  it('refuses a file with more YAML structure than the node limit before parsing it', () => {
    const text = 'a: [' + Array(DEFAULT_LIMITS.maxNodes + 10).fill('0').join(',') + ']\n';
    assertRefused(render(repo({ 'platform.yaml': text })), /^platform\.yaml:1:1: file has about \d+ YAML nodes \(line breaks and indicators counted before parsing\), over the limit of 2000000/m);
  });

  it('refuses YAML files whose structure adds up to more than the repository limit, each file counted once', () => {
    const dir = repo();
    const files = ['platform.yaml', ...['dev', 'prod', 'staging'].map((e) => `environments/${e}.yaml`)];
    const total = files.reduce((sum, f) => sum + yamlStructureCount(readFileSync(join(dir, f), 'utf8')), 0);
    // platform.yaml first, then the environments in name order: staging.yaml is the one that tips it over
    assert.throws(
      () => loadRepository(dir, { ...DEFAULT_LIMITS, maxTotalNodes: total - 1 }),
      (e: unknown) => e instanceof UserError && /^environments\/staging\.yaml:1:1: the repository's YAML files have about (\d+) nodes together \(counted before parsing\), over the limit of \d+/.exec(describeError(e))?.[1] === String(total),
    );
    assert.doesNotThrow(() => loadRepository(dir, { ...DEFAULT_LIMITS, maxTotalNodes: total }));
  });

  it('refuses a folder with too many entries without listing it all', () => {
    const dir = repo();
    for (let i = 0; i <= DEFAULT_LIMITS.maxFilesPerFolder; i++) writeFileSync(join(dir, 'environments', `e${i}.txt`), '');
    assertRefused(render(dir), /^environments:1:1: more than 500 entries in environments\//m);
  });

  it('refuses more modules than the limit, with the count and the limit', () => {
    const modules = Array.from({ length: DEFAULT_LIMITS.maxModules + 1 }, (_, i) => `    m${i}: {}\n`).join('');
    const text = `apiVersion: policy-bundle.dev/v1alpha1\nkind: Platform\nmetadata: {name: big}\nspec:\n  modules:\n${modules}`;
    assertRefused(render(repo({ 'platform.yaml': text })), /^platform\.yaml:5:3: spec\.modules: 2001 modules, over the limit of 2000/m);
  });

  it('refuses a list inside one flow longer than the limit, at its line', () => {
    const paths = Array.from({ length: DEFAULT_LIMITS.maxListItems + 1 }, (_, i) => `"/p${i}"`).join(', ');
    assertRefused(render(baseRepo('paths: ["/v1/predict"]', `paths: [${paths}]`)), /^platform\.yaml:21:\d+: spec\.flows\[0\]\.http\.paths: 257 items, over the limit of 256/m);
  });

  it('refuses a scalar longer than the limit (a 2 000-character path), at its line', () => {
    assertRefused(render(baseRepo('"/v1/predict"', `"/${'a'.repeat(2000)}"`)), /^platform\.yaml:21:\d+: a value is 2001 characters long, over the limit of 1024/m);
  });

  it('counts modules, workloads, flows and routes of the composed intent (unit)', () => {
    const limits = { ...DEFAULT_LIMITS, maxModules: 2, maxWorkloads: 3, maxFlows: 4, maxListItems: 2 };
    const spec = (o: Record<string, unknown>) => ({ modules: { a: {} }, workloads: {}, flows: [], ...o });
    assert.doesNotThrow(() => checkIntentSize(spec({}), limits, 'platform.yaml'));
    assert.throws(() => checkIntentSize(spec({ modules: { a: {}, b: {}, c: {} } }), limits, 'platform.yaml'), /spec\.modules: 3 modules, over the limit of 2/);
    assert.throws(() => checkIntentSize(spec({ workloads: { a: {}, b: {}, c: {}, d: {} } }), limits, 'platform.yaml'), /spec\.workloads: 4 workloads, over the limit of 3/);
    assert.throws(() => checkIntentSize(spec({ flows: [{}, {}, {}, {}, {}] }), limits, 'platform.yaml'), /spec\.flows: 5 flows, over the limit of 4/);
    assert.throws(() => checkIntentSize(spec({ routes: { a: {}, b: {}, c: {}, d: {} } }), limits, 'platform.yaml'), /spec\.routes: 4 routes, over the limit of 3/);
    assert.throws(() => checkIntentSize(spec({ flows: [{ ports: [1, 2, 3] }] }), limits, 'platform.yaml'), /spec\.flows\[0\]\.ports: 3 items, over the limit of 2/);
    assert.throws(() => checkIntentSize(spec({ workloads: { w: { selector: { a: '1', b: '2', c: '3' } } } }), limits, 'platform.yaml'), /spec\.workloads\.w\.selector: 3 items/);
    // monitoring.modules may name every module
    assert.doesNotThrow(() => checkIntentSize(spec({ modules: { a: {}, b: {} }, monitoring: { modules: ['a', 'b'] } }), { ...limits, maxListItems: 1 }, 'platform.yaml'));
  });
});

describe('hostile repositories: values cannot break out of their YAML scalar', () => {
  it('refuses a label value carrying a document separator and a ClusterRoleBinding, at its line', () => {
    const r = render(baseRepo('{practicus-module: data-prep}', '{practicus-module: "x\\n---\\nkind: ClusterRoleBinding"}'));
    assertRefused(r, /^platform\.yaml:6:\d+: .*practicus-module.*is not a valid label value/m);
    assert.ok(!r.stdout.includes('ClusterRoleBinding'));
  });

  it('refuses a selector, a name and a method carrying YAML or Handlebars syntax', () => {
    for (const [from, to, message] of [
      ['selector: {app: model-api}', 'selector: {app: "a\\n---\\nkind: Secret"}', /^platform\.yaml:12:\d+: .*selector.*is not a valid label value/m],
      ['    ml-jobs: {}', '    "ml-jobs\\n---\\nkind: Secret": {}', /^platform\.yaml:7:\d+: .*spec\.modules\.ml-jobs\\n---\\nkind: Secret/m],
      ['methods: [POST]', 'methods: ["POST\\n---"]', /^platform\.yaml:21:\d+: .*must be an upper-case HTTP method/m],
    ] as const) {
      assertRefused(render(baseRepo(from, to)), message);
    }
  });

  it('renders quotes and Handlebars syntax in paths as plain values', () => {
    const tricky = ['/a"b\'c', '/{{constructor}}', '/}}{{{x}}}{{>p}}', '/#x:y', '/---&a!c', '/\\"\\n'];
    const r = render(baseRepo('paths: ["/v1/predict"]', `paths: ${JSON.stringify(tricky)}`));
    assert.equal(r.code, 0, r.stderr);
    assertBounded(r);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const ap = docs.find((d) => d.kind === 'AuthorizationPolicy' && d.metadata.name.includes('model-api'));
    assert.ok(ap, 'the AuthorizationPolicy of model-api is rendered');
    const paths = ap.spec.rules.flatMap((rule: { to?: { operation: { paths?: string[] } }[] }) => rule.to?.flatMap((t) => t.operation.paths ?? []) ?? []);
    assert.deepEqual(paths.filter((p: string) => tricky.includes(p)).sort(), [...tricky].sort());
    for (const d of docs) assert.ok(['Namespace', 'NetworkPolicy', 'PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'VirtualService'].includes(d.kind), d.kind);
  });

  it('refuses a prod overlay that loosens mTLS below the floor', () => {
    const dir = baseRepo();
    mkdirSync(join(dir, 'environments'));
    writeFileSync(join(dir, 'environments/prod.yaml'), 'apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: prod}\nspec:\n  extends: prod\n  policy:\n    mtls: PERMISSIVE\n');
    assertRefused(render(dir), /^environments\/prod\.yaml:7:\d+: .*below the prod floor/m);
  });
});

describe('hostile template overrides', () => {
  const np = builtinTemplate('network-policy');
  const withLine = (line: string) => np.replace('spec:\n', `spec:\n# ${line}\n`);
  const refusedTemplate = (source: string, message: RegExp, name = 'network-policy') =>
    assertRefused(render(baseWith({ [`templates/${name}.yaml.hbs`]: source })), message);

  const cases: [string, string, RegExp][] = [
    ['{{json constructor}}', withLine('{{json constructor}}'), /^templates\/network-policy\.yaml\.hbs:10:\d+: "constructor" reaches for an object's prototype/m],
    ['{{json this.__proto__}}', withLine('{{json this.__proto__}}'), /"this\.__proto__" reaches for an object's prototype/],
    ['{{json this.[__proto__]}}', withLine('{{json this.[__proto__]}}'), /reaches for an object's prototype/],
    ['{{json @root.constructor}}', withLine('{{json @root.constructor}}'), /reaches for an object's prototype/],
    ['{{#each constructor}}', withLine('{{#each constructor}}x{{/each}}'), /"constructor" reaches for an object's prototype/],
    ['{{json __defineGetter__}}', withLine('{{json __defineGetter__}}'), /reaches for an object's prototype/],
    ['{{json toString}} (a prototype method)', withLine('{{json toString}}'), /template asked for a value that is not defined/],
    ['{{lookup ...}}', withLine('{{lookup this "name"}}'), /\{\{lookup\}\}: values must be written as \{\{json <value>\}\}/],
    ['{{log ...}}', withLine('{{log "x"}}'), /\{\{log\}\}: values must be written as/],
    ['a partial {{> x}}', withLine('{{> x}}'), /partial is not allowed in templates/],
    ['a partial block {{#> x}}', withLine('{{#> x}}y{{/x}}'), /partial.* is not allowed in templates/],
    ['a decorator {{* x}}', withLine('{{* x}}'), /decorator is not allowed in templates/],
    ['a raw value {{name}}', np.replace('name: {{json name}}', 'name: {{name}}'), /\{\{name\}\}: values must be written as \{\{json <value>\}\}/],
    ['an unescaped raw value {{{name}}}', np.replace('name: {{json name}}', 'name: {{{name}}}'), /\{\{name\}\}: values must be written as/],
    ['a sub-expression', withLine('{{json (lookup this "name")}}'), /sub-expressions are not allowed/],
    ['a hash argument', withLine('{{json name x=constructor}}'), /hash arguments \(x=\) are not allowed/],
    ['a block helper of its own', withLine('{{#custom name}}x{{/custom}}'), /\{\{#custom\}\} is not allowed; blocks: if, unless, each, with/],
    ['a missing variable {{json nope}}', withLine('{{json nope}}'), /^templates\/network-policy\.yaml\.hbs:10:1: template asked for a value that is not defined\n {2}hint: the values of this template are: .*podSelector/m],
    ['a path through a missing variable {{json nope.x}}', withLine('{{json nope.x}}'), /template asked for a value that is not defined/],
    ['a ClusterRoleBinding', np.replace('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding'), /kind "ClusterRoleBinding" where the template must produce NetworkPolicy/],
    ['a second document', `${np}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n`, /rendered 2 YAML documents instead of one/],
    ['a namespace outside the platform', np.replace('namespace: {{json namespace}}', 'namespace: "kube-system"'), /namespace "kube-system" is not the planned one/],
    ['no managed-by label', np.replace('labels: {{json labels}}', 'labels: {}'), /label app\.kubernetes\.io\/managed-by: policy-bundle is missing/],
    ['no sync wave', np.replace('annotations: {{json annotations}}', 'annotations: {}'), /annotation argocd\.argoproj\.io\/sync-wave must be a quoted integer/],
    ["Argo CD's tracking label", np.replace('labels: {{json labels}}', 'labels: {"app.kubernetes.io/managed-by": "policy-bundle", "app.kubernetes.io/instance": "x"}'), /label app\.kubernetes\.io\/instance is Argo CD's own tracking label/],
    ['YAML aliases', np.replace('policyTypes: {{json policyTypes}}', 'policyTypes: &p {{json policyTypes}}\n  x: *p'), /rendered YAML cannot be read/],
    ['nested {{#each}} that multiply', withLine('{{#each @root.policyTypes}}'.repeat(30) + 'x' + '{{/each}}'.repeat(30)), /template runs \{\{#each\}\} more than 1000000 times for one resource/],
    ['10 000-deep blocks', withLine('{{#if name}}'.repeat(10_000) + '{{/if}}'.repeat(10_000)), /template blocks nest deeper than 64 levels/],
  ];
  for (const [name, source, message] of cases) {
    it(`refuses a template with ${name}`, () => refusedTemplate(source, message));
  }

  // An override must not reorder waves (an ALLOW policy before the NetworkPolicies) or turn a
  // policy into an Argo CD hook that is deleted after the sync.
  const ap = builtinTemplate('authorization-policy');
  const plannedIstio = '"argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"';
  for (const [name, annotations, message] of [
    ['another sync wave than planned', `{"argocd.argoproj.io/sync-wave": "-100", ${plannedIstio}}`, /sync-wave/],
    ['an Argo CD hook annotation', `{"argocd.argoproj.io/sync-wave": "0", ${plannedIstio}, "argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}`, /argocd\.argoproj\.io\/hook/],
  ] as const) {
    it(`refuses a template that sets ${name}`, () =>
      refusedTemplate(ap.replace('annotations: {{json annotations}}', `annotations: ${annotations}`), message, 'authorization-policy'),
    );
  }

  it('refuses a template over the size limit without parsing it', () => {
    refusedTemplate(np + `# ${'x'.repeat(DEFAULT_LIMITS.maxTemplateBytes)}\n`, /^templates\/network-policy\.yaml\.hbs:1:1: template is \d+ characters, over the limit of 262144/m);
  });

  it('refuses a template whose output for one resource is over the limit', () => {
    // 200 KiB of text, printed 2 × 2 × 2 times for the default-deny policy (policyTypes: Ingress, Egress)
    const each = '{{#each @root.policyTypes}}';
    const big = withLine(`${each.repeat(3)}${'y'.repeat(200 * 1024)}${'{{/each}}'.repeat(3)}`);
    refusedTemplate(big, /^templates\/network-policy\.yaml\.hbs:1:1: rendering "[a-z-]+"\/"default-deny" produced more than 1572864 bytes/m);
  });

  it('refuses a file in templates/ that replaces no built-in template, naming the known ones', () => {
    assertRefused(render(baseWith({ 'templates/cluster-role-binding.yaml.hbs': np })), /"cluster-role-binding\.yaml\.hbs" replaces no built-in template\n {2}hint: .*authorization-policy\.yaml\.hbs, .*network-policy\.yaml\.hbs/);
    assertRefused(render(baseWith({ 'templates/README.md': 'notes' })), /"README\.md" replaces no built-in template/);
  });

  it('shows a hostile file name with its control characters escaped', () => {
    const r = render(baseWith({ 'templates/x\n\u001b[31mfake.yaml.hbs': np }));
    assertRefused(r, /"x\\n\\u001b\[31mfake\.yaml\.hbs" replaces no built-in template/);
    assert.ok(!r.stderr.includes('\u001b'), 'no terminal escape reaches stderr');
    assert.ok(!/^\u001b|^\[31mfake/m.test(r.stderr), 'the name forges no line');
  });

  it('accepts an override that only reformats the built-in template', () => {
    const same = np.replace('{{!--', '{{!-- reformatted').replace('  podSelector: {{json podSelector}}', '  podSelector:   {{json podSelector}}');
    const r = render(baseWith({ 'templates/network-policy.yaml.hbs': same }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, render(baseRepo()).stdout);
  });
});

describe('fail closed: errors and output', () => {
  registerCommand('test-throws-type-error', 'test only', async () => ({ summary: '', usage: '', run: async () => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); } }));
  registerCommand('test-throws-null', 'test only', async () => ({ summary: '', usage: '', run: async () => { throw null; } }));

  const io = (argv: string[]) => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { argv, env: {}, cwd: scratch, stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
  };

  it('an internal error (a TypeError) prints one paragraph, no stack, and exits 3', async () => {
    const { out, io: cliIo } = io(['test-throws-type-error']);
    assert.equal(await run(cliIo), 3);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^policy-bundle: internal error: TypeError: Cannot read properties of undefined \(reading 'x'\)\n {2}hint: this is a bug/);
    assert.doesNotMatch(out.stderr, /^\s+at /m);
  });

  it('--debug adds the stack trace', async () => {
    const { out, io: cliIo } = io(['test-throws-type-error', '--debug']);
    assert.equal(await run(cliIo), 3);
    assert.match(out.stderr, /^\s+at /m);
  });

  it('a thrown non-Error is an internal error too, not a crash', async () => {
    const { out, io: cliIo } = io(['test-throws-null']);
    assert.equal(await run(cliIo), 3);
    assert.match(out.stderr, /internal error: thrown value null/);
  });

  it('long and numerous problems are cut so stderr stays readable', () => {
    const problems = Array.from({ length: 100 }, (_, i) => ({ message: `problem ${i} ${'y'.repeat(5000)}` }));
    const text = describeError(new UserError(problems));
    assert.match(text, /^problem 0 y+\.\.\.\n/);
    assert.match(text, /\.\.\. and 80 more problem\(s\)/);
    assert.ok(text.length < 30_000, `${text.length} characters`);
  });

  /** A platform whose bundle is larger than a pipe's buffer and takes a moment to render. */
  function largeRepo(): string {
    const dir = join(scratch, `large-${++n}`);
    mkdirSync(join(dir, 'environments'), { recursive: true });
    const M = 40;
    const W = 5;
    let text = 'apiVersion: policy-bundle.dev/v1alpha1\nkind: Platform\nmetadata: {name: large}\nspec:\n  modules:\n';
    for (let i = 0; i < M; i++) text += `    m${i}: {}\n`;
    text += '  workloads:\n';
    for (let i = 0; i < M * W; i++) text += `    w${i}: {module: m${i % M}, selector: {app: w${i}}, serviceAccount: w${i}, ports: [{name: http, port: 8080}]}\n`;
    text += '  flows:\n';
    for (let i = 0; i < M * W * 2; i++) text += `    - {from: {workload: w${i % (M * W)}}, to: {workload: w${(i * 7 + 3) % (M * W)}}, ports: [http], http: {methods: [GET], paths: ["/v1/r${i}/*"]}}\n`;
    writeFileSync(join(dir, 'platform.yaml'), text);
    return dir;
  }

  it('a large bundle reaches a pipe whole (the process exits only once stdout has taken it)', async () => {
    const dir = largeRepo();
    const r = render(dir);
    assert.equal(r.code, 0, r.stderr.slice(0, 2000));
    assert.ok(r.stdout.length > 256 * 1024, `${r.stdout.length} bytes: larger than a pipe's buffer`);
    const inProcess = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.stdout, inProcess.stdout);
  });

  it('a run stopped by SIGTERM (Argo CD\'s deadline) fails, and prints nothing but the bundle', async () => {
    const dir = largeRepo();
    const whole = render(dir);
    assert.equal(whole.code, 0, whole.stderr);
    for (const delay of [100, 300, 600]) {
      const r = await new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
        // In a process group of its own, signalled as a group: what the CMP server does at its
        // deadline (CMP-CONTRACT.md), so the launcher and the Node it started both get it.
        const child = spawn(CLI, ['render', '--env', 'prod', '--dir', dir], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGTERM');
          } catch {
            /* already gone */
          }
        }, delay);
        child.on('close', (code, signal) => resolve({ code, signal, stdout }));
      });
      if (r.code === 0) assert.equal(r.stdout, whole.stdout, 'finished before the signal: the whole bundle');
      else {
        assert.ok(r.signal === 'SIGTERM' || (r.code ?? 0) > 0, `stopped: code ${r.code}, signal ${r.signal}`);
        // Stopped: the status fails the request, so Argo CD uses none of stdout. The bundle is
        // written in one piece at the very end, so stdout is empty unless the signal landed
        // during that last write, and then it is a prefix of the bundle, never anything else.
        assert.ok(whole.stdout.startsWith(r.stdout), `stopped after ${delay} ms: stdout is a prefix of the bundle`);
      }
    }
  });
});
