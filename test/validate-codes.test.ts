// Every finding code, one small repository each: `validate --format json` names the code, the
// severity and the file:line:col of the intent that causes it. Then the output formats, the exit
// codes, and render's fail-closed behaviour. docs/codes.md documents exactly the codes tested here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, PROJECT, tempRepo } from './helpers/cli.ts';

interface JsonFinding {
  code: string;
  severity: 'error' | 'warning';
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
  hint: string;
  environment?: string;
}

const HEAD = `apiVersion: policy-bundle.dev/v1alpha1
kind: Platform
metadata: {name: demo}
spec:
  modules:
    ml-jobs: {}
    model-serving: {}
  workloads:
    model-api:
      module: model-serving
      selector: {app: model-api}
      serviceAccount: model-api
      ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
    job-runner: {module: ml-jobs, selector: {app: job-runner}, serviceAccount: job-runner}
    legacy: {module: ml-jobs, selector: {app: legacy}, serviceAccount: legacy, mesh: false}
    no-sa: {module: ml-jobs, selector: {app: no-sa}}
`;

/** A platform with these flows (YAML list items, indented by 4) and optional extra spec sections. */
function platform(flows: string, extra = ''): string {
  return `${HEAD}  flows:\n${flows}${extra}`;
}

const PREDICT = `    - name: predict
      from: {workload: job-runner}
      to:   {workload: model-api}
      ports: [http]
      http: {methods: [POST], paths: ["/v1/predict"]}
`;

const ROUTES = (route: string) => `  routes:\n    model-api:\n      subsets: {v1: {version: v1}, v2: {version: v2}}\n      http:\n${route}`;

const env = (name: string, body: string) => `apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: ${name}}\nspec:\n${body}`;

/** 1-based line and column of the first occurrence of `needle` (after `after`, if given). */
function at(text: string, needle: string, after = ''): { line: number; column: number } {
  const start = after ? text.indexOf(after) : 0;
  assert.ok(start >= 0, `fixture lacks ${JSON.stringify(after)}`);
  const i = text.indexOf(needle, start);
  assert.ok(i >= 0, `fixture lacks ${JSON.stringify(needle)}`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

async function validate(files: Record<string, string>, args: string[] = []): Promise<{ code: number; findings: JsonFinding[]; stderr: string }> {
  const dir = tempRepo(files);
  const r = await cli(['validate', '--format', 'json', '--dir', dir, ...args]);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return { code: r.code, findings: JSON.parse(r.stdout) as JsonFinding[], stderr: r.stderr };
}

interface Case {
  code: string;
  severity: 'error' | 'warning';
  files: Record<string, string>;
  /** where the finding must point: file, and the needle whose start is the line:col */
  file: string;
  needle: string;
  after?: string;
  /** only validate this environment */
  env?: string;
  message?: RegExp;
}

const cases: Case[] = [
  {
    code: 'PB001', severity: 'error', file: 'platform.yaml', needle: 'flowz',
    files: { 'platform.yaml': platform(PREDICT).replace('  flows:', '  flowz: []\n  flows:') },
    message: /spec\.flowz: unknown field/,
  },
  {
    code: 'PB002', severity: 'error', file: 'environments/stage.yaml', needle: 'name: staging',
    files: { 'platform.yaml': platform(PREDICT), 'environments/stage.yaml': env('staging', '  extends: staging\n') },
    env: 'stage',
  },
  {
    code: 'PB010', severity: 'error', file: 'environments/prod.yaml', needle: 'mtls', env: 'prod',
    files: { 'platform.yaml': platform(PREDICT), 'environments/prod.yaml': env('prod', '  extends: prod\n  policy:\n    mtls: PERMISSIVE\n') },
    message: /below the prod floor: mTLS PERMISSIVE/,
  },
  {
    code: 'PB100', severity: 'error', file: 'platform.yaml', needle: 'module: ml-job}',
    files: { 'platform.yaml': platform('    - from: {module: ml-job}\n      to: {workload: model-api}\n      ports: [8080]\n') },
    message: /unknown module "ml-job"/,
  },
  {
    code: 'PB101', severity: 'error', file: 'platform.yaml', needle: 'workload: model-apii',
    files: { 'platform.yaml': platform(PREDICT.replace('workload: model-api}', 'workload: model-apii}')) },
  },
  {
    code: 'PB102', severity: 'error', file: 'platform.yaml', needle: 'grpc',
    files: { 'platform.yaml': platform(PREDICT.replace('ports: [http]', 'ports: [grpc]')) },
  },
  {
    code: 'PB103', severity: 'error', file: 'platform.yaml', needle: 'v3: 10',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 90, v3: 10}}\n')) },
  },
  {
    code: 'PB104', severity: 'error', file: 'platform.yaml', needle: 'model-apx:',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 50, v2: 50}}\n').replace('    model-api:\n      subsets', '    model-apx:\n      subsets')) },
  },
  {
    code: 'PB105', severity: 'error', file: 'platform.yaml', needle: 'legacy:', after: 'routes:',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 50, v2: 50}}\n').replace('    model-api:\n      subsets', '    legacy:\n      subsets')) },
  },
  {
    code: 'PB110', severity: 'error', file: 'platform.yaml', needle: 'weights',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 80, v2: 10}}\n')) },
    message: /sum to 90, not 100/,
  },
  {
    code: 'PB111', severity: 'warning', file: 'platform.yaml', needle: 'weights',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 100}}\n')) },
  },
  {
    code: 'PB112', severity: 'warning', file: 'platform.yaml', needle: 'retries',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 50, v2: 50}, timeout: 5s, retries: {attempts: 3, perTryTimeout: 2s}}\n')) },
  },
  {
    code: 'PB113', severity: 'warning', file: 'platform.yaml', needle: 'timeout: 1s',
    files: { 'platform.yaml': platform(PREDICT, ROUTES('        - {name: p, weights: {v1: 50, v2: 50}, timeout: 1s, retries: {attempts: 1, perTryTimeout: 2s}}\n')) },
  },
  {
    code: 'PB120', severity: 'warning', file: 'platform.yaml', needle: 'from: {workload: job-runner}', env: 'audit',
    files: { 'platform.yaml': platform(PREDICT), 'environments/audit.yaml': env('audit', '  extends: dev\n  policy:\n    authorization: enforce\n') },
    message: /principal \(job-runner\), which needs mTLS, but environment "audit" has mTLS PERMISSIVE/,
  },
  {
    code: 'PB121', severity: 'error', file: 'platform.yaml', needle: 'name: predict', env: 'staging',
    files: { 'platform.yaml': platform(PREDICT.replace('workload: job-runner', 'workload: no-sa')) },
  },
  {
    code: 'PB122', severity: 'error', file: 'platform.yaml', needle: 'from: {cidr', env: 'staging',
    files: { 'platform.yaml': platform('    - from: {cidr: 10.20.0.0/16}\n      to: {module: model-serving}\n      ports: [8080]\n') },
  },
  {
    code: 'PB123', severity: 'error', file: 'platform.yaml', needle: 'name: predict', env: 'staging',
    files: { 'platform.yaml': platform(PREDICT.replace('workload: job-runner', 'workload: legacy')) },
  },
  {
    code: 'PB124', severity: 'error', file: 'platform.yaml', needle: 'from: {workload: legacy}', env: 'audit',
    files: { 'platform.yaml': platform(PREDICT.replace('workload: job-runner', 'workload: legacy')), 'environments/audit.yaml': env('audit', '  extends: dev\n  policy:\n    authorization: enforce\n') },
  },
  {
    code: 'PB130', severity: 'warning', file: 'platform.yaml', needle: 'name: again',
    files: { 'platform.yaml': platform(PREDICT + PREDICT.replace('name: predict', 'name: again').replace('[http]', '[8080]')) },
    message: /flows\[again\] duplicates flows\[predict\]/,
  },
  {
    code: 'PB131', severity: 'warning', file: 'platform.yaml', needle: 'name: predict',
    files: { 'platform.yaml': platform(PREDICT + '    - name: wide\n      from: {workload: job-runner}\n      to:   {workload: model-api}\n      ports: [8000-8100]\n') },
    message: /flows\[predict\] allows nothing that flows\[wide\] does not already allow/,
  },
  {
    code: 'PB132', severity: 'warning', file: 'platform.yaml', needle: 'cidr: 10.1.0.1/16',
    files: { 'platform.yaml': platform('    - from: {workload: job-runner}\n      to: {cidr: 10.1.0.1/16}\n      ports: [443]\n') },
    message: /10\.1\.0\.1\/16 has host bits set: Kubernetes and Istio read it as 10\.1\.0\.0\/16/,
  },
  {
    code: 'PB133', severity: 'error', file: 'platform.yaml', needle: '192.168.0.0/24',
    files: { 'platform.yaml': platform('    - from: {workload: job-runner}\n      to: {cidr: 10.1.0.0/16, except: [10.1.9.0/24, 192.168.0.0/24]}\n      ports: [443]\n') },
    message: /except 192\.168\.0\.0\/24 is not a smaller block inside cidr 10\.1\.0\.0\/16/,
  },
  {
    code: 'PB134', severity: 'warning', file: 'platform.yaml', needle: '8000-8100',
    files: { 'platform.yaml': platform(PREDICT.replace('[http]', '[8000-8100]')) },
  },
  {
    code: 'PB135', severity: 'warning', file: 'platform.yaml', needle: 'http: {methods',
    files: { 'platform.yaml': platform(PREDICT.replace('ports: [http]', 'ports: [8080]\n      protocol: UDP')) },
    message: /protocol UDP bypasses the sidecar/,
  },
  {
    code: 'PB140', severity: 'warning', file: 'environments/prod.yaml', needle: 'dns: false', env: 'prod',
    files: { 'platform.yaml': platform(PREDICT), 'environments/prod.yaml': env('prod', '  extends: prod\n  policy:\n    carveOuts: {dns: false}\n') },
    message: /turns off the DNS carve-out/,
  },
  {
    code: 'PB141', severity: 'warning', file: 'platform.yaml', needle: 'metrix',
    files: { 'platform.yaml': platform(PREDICT, '  monitoring:\n    from: {workload: job-runner}\n    ports: [15020, metrix]\n') },
  },
  {
    code: 'PB150', severity: 'error', file: 'platform.yaml', needle: 'default:',
    files: { 'platform.yaml': platform(PREDICT).replace('    legacy:', '    default: {module: ml-jobs, selector: {app: d}, serviceAccount: d}\n    legacy:') },
  },
  {
    code: 'PB200', severity: 'error', file: 'templates/peer-authentication.yaml.hbs', needle: '{{!--', env: 'prod',
    files: {
      'platform.yaml': platform(PREDICT),
      'templates/peer-authentication.yaml.hbs': readFileSync(join(PROJECT, 'templates/peer-authentication.yaml.hbs'), 'utf8').replace('  mtls: {{json mtls}}', '  mtls: {{json mtls}}\n  mtlz: {{json mtls}}'),
    },
    message: /PeerAuthentication [a-z-]+\/default: schema: spec\.mtlz: unknown field in PeerAuthentication security\.istio\.io\/v1 \(did you mean "mtls"\?\)/,
  },
];

describe('every code, at the line of the intent that causes it', () => {
  for (const c of cases) {
    it(`${c.code} ${c.severity}`, async () => {
      const { code, findings } = await validate(c.files, c.env ? ['--env', c.env] : []);
      const f = findings.find((x) => x.code === c.code);
      assert.ok(f, `no ${c.code} in ${JSON.stringify(findings, null, 1)}`);
      assert.equal(f.severity, c.severity);
      assert.equal(f.file, c.file);
      const want = at(c.files[c.file]!, c.needle, c.after);
      assert.deepEqual({ line: f.line, column: f.column }, want, `${c.code}: ${f.message}`);
      if (c.message) assert.match(f.message, c.message);
      assert.ok(f.hint.length > 0, 'has a hint');
      assert.equal(code, findings.some((x) => x.severity === 'error') ? 1 : 0);
    });
  }

  it('PB020: generate refuses when the cluster serves no Istio API', async () => {
    const prod = env('prod', '  extends: prod\n  policy:\n    mesh: true\n');
    const dir = tempRepo({ 'platform.yaml': platform(PREDICT), 'environments/prod.yaml': prod });
    const r = await cli(['generate'], { cwd: dir, env: { ARGOCD_ENV_ENVIRONMENT: 'prod', KUBE_API_VERSIONS: 'v1,apps/v1,networking.k8s.io/v1' } });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const { line, column } = at(prod, 'mesh: true');
    assert.match(r.stderr, new RegExp(`^environments/prod\\.yaml:${line}:${column}: error PB020 environment "prod" renders Istio resources, but the cluster serves no security\\.istio\\.io API`, 'm'));
  });

  it('docs/codes.md documents every code the plugin emits, and this file tests each', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) sources.push(readFileSync(join(dir, e.name), 'utf8'));
      }
    };
    walk(join(PROJECT, 'plugin'));
    const emitted = new Set(sources.flatMap((s) => [...s.matchAll(/'(PB\d{3})'/g)].map((m) => m[1]!)));
    const doc = readFileSync(join(PROJECT, 'docs/codes.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^### (PB\d{3})/gm)].map((m) => m[1]!));
    const tested = new Set([...cases.map((c) => c.code), 'PB020']);
    for (const code of emitted) {
      assert.ok(documented.has(code), `${code} is emitted but not documented in docs/codes.md`);
      assert.ok(tested.has(code), `${code} is emitted but has no fixture here`);
    }
    for (const code of documented) assert.ok(emitted.has(code), `docs/codes.md documents ${code}, which nothing emits`);
  });
});

describe('no finding where the intent is fine', () => {
  it('examples/practicus: every environment is clean', async () => {
    const r = await cli(['validate', '--format', 'json', '--dir', join(PROJECT, 'examples/practicus')]);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  it('a workload no flow selects, under default-deny ingress, is intended: no finding', async () => {
    const { findings } = await validate({ 'platform.yaml': platform(PREDICT) }, ['--env', 'prod']);
    assert.deepEqual(findings.map((f) => f.code), []);
  });

  it('principals under PERMISSIVE mTLS in dry-run (dev) are not reported', async () => {
    const { findings } = await validate({ 'platform.yaml': platform(PREDICT) }, ['--env', 'dev']);
    assert.deepEqual(findings, []);
  });

  it('a narrower flow with its own http is not shadowed by a wider one with narrower http', async () => {
    const wide = '    - name: wide\n      from: {workload: job-runner}\n      to:   {workload: model-api}\n      http: {methods: [GET]}\n';
    const { findings } = await validate({ 'platform.yaml': platform(PREDICT + wide) }, ['--env', 'prod']);
    assert.deepEqual(findings.map((f) => f.code), []);
  });

  it('a path under a wider wildcard with the same methods is shadowed', async () => {
    const wide = '    - name: wide\n      from: {workload: job-runner}\n      to:   {workload: model-api}\n      http: {methods: [POST, GET], paths: ["/v1/*"]}\n';
    const { findings } = await validate({ 'platform.yaml': platform(PREDICT + wide) }, ['--env', 'prod']);
    assert.deepEqual(findings.map((f) => [f.code, f.message.slice(0, 16)]), [['PB131', 'flows[predict] a']]);
  });

  it('an except equal to its cidr is rejected; an IPv6 cidr with host bits gets its canonical form', async () => {
    const flows = '    - from: {workload: job-runner}\n      to: {cidr: "fd00:0:0:0:0:0:0:1/64", except: [10.0.0.0/8]}\n      ports: [443]\n    - from: {workload: job-runner}\n      to: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}\n      ports: [443]\n';
    const { findings } = await validate({ 'platform.yaml': platform(flows) }, ['--env', 'prod']);
    const msgs = findings.map((f) => `${f.code} ${f.message}`);
    assert.ok(msgs.some((m) => m.startsWith('PB132 fd00:0:0:0:0:0:0:1/64 has host bits set: Kubernetes and Istio read it as fd00::/64')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.startsWith('PB133 except 10.0.0.0/8 is IPv4, cidr fd00:0:0:0:0:0:0:1/64 is IPv6')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.startsWith('PB133 except 10.0.0.0/8 is not a smaller block inside cidr 10.0.0.0/8')), msgs.join('\n'));
  });

  it('http on a cidr or a non-mesh destination is reported; the istiod carve-out too', async () => {
    const flows = '    - from: {workload: job-runner}\n      to: {cidr: 203.0.113.0/24}\n      ports: [443]\n      http: {paths: ["/x"]}\n    - from: {workload: job-runner}\n      to: {workload: legacy}\n      http: {methods: [GET]}\n';
    const { findings } = await validate({ 'platform.yaml': platform(flows), 'environments/prod.yaml': env('prod', '  extends: prod\n  policy:\n    carveOuts: {istiod: false}\n') }, ['--env', 'prod']);
    const msgs = findings.map((f) => `${f.code} ${f.message}`);
    assert.ok(msgs.some((m) => /^PB135 flows\[0\]: http is set, but a cidr destination is outside the mesh/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^PB135 flows\[1\]: http is set, but destination "legacy" has no sidecar/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^PB140 .*istiod carve-out/.test(m)), msgs.join('\n'));
  });
});

describe('schema guardrails (PB001): names, label values and Istio paths', () => {
  const bad: [string, string, string, RegExp][] = [
    ['a module name that is not a DNS-1123 label', '    ml-jobs: {}', '    ML_Jobs: {}', /^spec\.modules\.ML_Jobs: the key must be a DNS-1123 label/],
    ['a workload name that is not a DNS-1123 label', '    model-api:\n', '    model.api:\n', /^spec\.workloads\.model\.api: the key must be a DNS-1123 label/],
    ['a label value with a space', '{app: job-runner}', '{app: "job runner"}', /is not a valid label value/],
    ['a label value of 64 characters', '{app: job-runner}', `{app: ${'a'.repeat(64)}}`, /is not a valid label value/],
    ['a label key with two slashes', '{app: job-runner}', '{"a/b/c": x}', /^spec\.workloads\.job-runner\.selector\.a\/b\/c: the key is not a valid label key/],
    ['a path with "*" in the middle', '"/v1/predict"', '"/v1/*/predict"', /is not an Istio path pattern/],
    ['a path without a leading slash', '"/v1/predict"', '"v1/predict"', /must start with "\/"/],
    ['a path with a space', '"/v1/predict"', '"/v1/pre dict"', /is not an Istio path pattern/],
    ['a lower-case method', '[POST]', '[post]', /upper-case HTTP method/],
    ['a flow name with upper case', 'name: predict', 'name: Predict', /DNS-1123 label/],
  ];
  for (const [name, from, to, expect] of bad) {
    it(name, async () => {
      const text = platform(PREDICT).replace(from, to);
      assert.notEqual(text, platform(PREDICT), 'fixture changed');
      const { code, findings } = await validate({ 'platform.yaml': text }, ['--env', 'prod']);
      assert.equal(code, 1);
      const f = findings.find((x) => x.code === 'PB001');
      assert.ok(f, JSON.stringify(findings));
      assert.match(f.message, expect);
      assert.equal(f.file, 'platform.yaml');
    });
  }

  it('a cidr with an IPv6 zone index or a space is refused at its line: Kubernetes parses neither', async () => {
    const flow = (cidr: string) => `    - from: {workload: job-runner}\n      to: {cidr: ${JSON.stringify(cidr)}}\n      ports: [443]\n`;
    for (const cidr of ['fe80::1%eth0/64', ' 10.0.0.0/8', '10.0.0.0 /8', '10.0.0.0/8/8', '10.0.0/8', '10.0.0.0/33']) {
      const text = platform(flow(cidr));
      const { code, findings } = await validate({ 'platform.yaml': text }, ['--env', 'prod']);
      assert.equal(code, 1, cidr);
      const f = findings.find((x) => x.code === 'PB001');
      assert.match(f?.message ?? '', /^spec\.flows\.0\.to\.cidr: is not a CIDR such as 10\.1\.0\.0\/16 or fd00::\/8/, `${cidr}: ${JSON.stringify(findings)}`);
      assert.equal(f!.line, text.split('\n').findIndex((l) => l.includes('cidr:')) + 1, cidr);
    }
    for (const cidr of ['fd00::/8', '::ffff:10.0.0.0/104', '0.0.0.0/0', '::/0']) {
      const { findings } = await validate({ 'platform.yaml': platform(flow(cidr)) }, ['--env', 'prod']);
      assert.deepEqual(findings.filter((x) => x.code === 'PB001'), [], cidr);
    }
  });

  const good: [string, string, string][] = [
    ['a prefix path', '"/v1/predict"', '"/v1/*"'],
    ['a suffix path', '"/v1/predict"', '"*/predict"'],
    ['the presence path', '"/v1/predict"', '"*"'],
    ['a prefixed label key and an empty label value', '{app: job-runner}', '{app.kubernetes.io/name: job-runner, tier: ""}'],
  ];
  for (const [name, from, to] of good) {
    it(`accepts ${name}`, async () => {
      const { findings } = await validate({ 'platform.yaml': platform(PREDICT).replace(from, to) }, ['--env', 'prod']);
      assert.deepEqual(findings.filter((f) => f.code === 'PB001'), []);
    });
  }
});

describe('output formats and exit codes', () => {
  const warnOnly = { 'platform.yaml': platform(PREDICT + PREDICT.replace('name: predict', 'name: again')) };
  const withError = { 'platform.yaml': platform(PREDICT.replace('ports: [http]', 'ports: [grpc]')) };

  it('human: `file:line:col: error CODE message` and an indented hint; a summary on stderr', async () => {
    const dir = tempRepo(withError);
    const r = await cli(['validate', '--dir', dir, '--env', 'prod']);
    assert.equal(r.code, 1);
    const { line, column } = at(withError['platform.yaml'], 'grpc');
    assert.match(r.stdout, new RegExp(`^platform\\.yaml:${line}:${column}: error PB102 unknown port name "grpc" on workload "model-api" \\[prod\\]\\n  hint: use a number or one of: http, metrics\\n$`));
    assert.match(r.stderr, /^1 environment\(s\) checked: 1 error\(s\), 0 warning\(s\)$/m);
  });

  it('human: warnings read `warning CODE`', async () => {
    const dir = tempRepo(warnOnly);
    const r = await cli(['validate', '--dir', dir, '--env', 'prod']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^platform\.yaml:\d+:\d+: warning PB130 flows\[again\] duplicates flows\[predict\]/m);
  });

  it('github: one workflow command per finding, with file, line, col and the code as title', async () => {
    const dir = tempRepo({ 'platform.yaml': platform(PREDICT.replace('ports: [http]', 'ports: [grpc]') + PREDICT.replace('name: predict', 'name: again').replace('[http]', '[8080]')) });
    const r = await cli(['validate', '--dir', dir, '--env', 'prod', '--format', 'github']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, 'PB102 stops the flow from resolving, so no PB130 either');
    assert.match(lines[0]!, /^::error file=platform\.yaml,line=\d+,col=\d+,title=PB102::unknown port name "grpc" on workload "model-api" \(hint: use a number or one of: http, metrics\)$/);
    const w = await cli(['validate', '--dir', tempRepo(warnOnly), '--env', 'prod', '--format', 'github']);
    assert.match(w.stdout, /^::warning file=platform\.yaml,line=\d+,col=\d+,title=PB130::flows\[again\] duplicates flows\[predict\]/);
    assert.equal(w.stderr, '', 'machine formats print no summary');
  });

  it('github: %, newlines and commas in properties are escaped', async () => {
    const dir = tempRepo({ 'platform.yaml': platform(PREDICT), 'environments/a,b.yaml': 'x' });
    const r = await cli(['validate', '--dir', dir, '--format', 'github']);
    for (const l of r.stdout.trimEnd().split('\n').filter(Boolean)) assert.match(l, /^::(error|warning) [^:]*::[^\n]*$/);
  });

  it('json: every finding has code, severity, file, line, column, message, hint and environment', async () => {
    const { findings } = await validate(warnOnly);
    assert.ok(findings.length >= 1);
    for (const f of findings) assert.deepEqual(Object.keys(f).sort(), ['code', 'column', 'environment', 'file', 'hint', 'line', 'message', 'severity']);
  });

  it('a finding in platform.yaml shows once, not once per environment', async () => {
    const { findings } = await validate(warnOnly);
    assert.equal(findings.filter((f) => f.code === 'PB130').length, 1);
  });

  it('errors exit 1; warnings exit 0, and 1 with --strict', async () => {
    assert.equal((await validate(withError)).code, 1);
    assert.equal((await validate(warnOnly)).code, 0);
    assert.equal((await validate(warnOnly, ['--strict'])).code, 1);
    assert.equal((await validate({ 'platform.yaml': platform(PREDICT) }, ['--strict'])).code, 0);
  });

  it('render of a repository with an error prints nothing on stdout and exits 2', async () => {
    const dir = tempRepo({ 'platform.yaml': platform(PREDICT + '    - from: {workload: job-runner}\n      to: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}\n') });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^platform\.yaml:\d+:\d+: error PB133 except 10\.1\.0\.0\/24 is not a smaller block inside cidr 10\.0\.0\.0\/16/m);
  });

  it('render of a repository with only warnings prints the bundle and the warnings on stderr', async () => {
    const r = await cli(['render', '--env', 'prod', '--dir', tempRepo(warnOnly)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^---\napiVersion: /);
    assert.match(r.stderr, /warning PB130/);
  });

  it('render refuses a template override with a misspelt field: exit 2, nothing on stdout', async () => {
    const tpl = readFileSync(join(PROJECT, 'templates/authorization-policy.yaml.hbs'), 'utf8').replace('  rules: {{json rules}}', '  rulez: {{json rules}}');
    const r = await cli(['render', '--env', 'prod', '--dir', tempRepo({ 'platform.yaml': platform(PREDICT), 'templates/authorization-policy.yaml.hbs': tpl })]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /templates\/authorization-policy\.yaml\.hbs:1:1: AuthorizationPolicy model-serving\/allow-model-api: schema: spec\.rulez: unknown field in AuthorizationPolicy security\.istio\.io\/v1 \(did you mean "rules"\?\)/);
  });
});
