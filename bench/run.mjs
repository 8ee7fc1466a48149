// Benchmark (not a test): `render --env prod` as whole processes, the way Argo CD runs `generate`
// on every refresh, next to `node -e 0` (Node's start-up floor) and to `kubectl kustomize` on an
// equivalent hand-written base + overlay, all measured in the same run, interleaved, so that
// whatever else the machine is doing weighs on every command alike. The report goes to stdout and,
// for a whole run, to bench/results.md (linked from the README; discussed in docs/performance.md).
//
//   npm run bench                          build, then every case (about 5 minutes): bench/results.md
//   node bench/run.mjs --quick             fewer runs (a smoke run: stdout only)
//   node bench/run.mjs --out FILE          the report to FILE (default bench/results.md, whole runs only)
//   node bench/run.mjs --cases seed,medium only these cases (seed, medium, large)
//   node bench/run.mjs --bin DIR/policy-bundle         another build (scripts/build.mjs --outdir DIR)
//   node bench/run.mjs --node /path/to/node24          also every case under that Node (the image's):
//                                                      a build of its own (the snapshot is per Node
//                                                      binary), held to the same targets, and for the
//                                                      seed its plain bundle with a module compile cache
//   node bench/run.mjs --json out.json     the raw samples as JSON too
//
// Each sample is two runs of the command: one timed here (wall time), one under /usr/bin/time
// (CPU time and peak RSS from its %U %S %M), so that time's own start is in no wall time; children
// get a clean environment (PATH, HOME, LANG): NODE_OPTIONS or NODE_EXTRA_CA_CERTS from the
// developer's shell would otherwise change Node's start-up (the latter alone adds ~40 - 70 ms to Node 20).
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePlatform, writePlatform } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const values = (n) => argv.flatMap((a, i) => (a === `--${n}` && argv[i + 1] ? [argv[i + 1]] : []));
const quick = flag('quick');
// The launcher (start-up snapshot) is what Argo CD runs; the plain bundle beside it is measured too.
const bin = resolve(values('bin')[0] ?? join(ROOT, 'dist', 'policy-bundle'));
const bundle = join(dirname(bin), 'policy-bundle.mjs');
const cases = (values('cases')[0] ?? 'seed,medium,large').split(',');
const extraNodes = values('node');
const jsonOut = values('json')[0];
// Only a run of every case with every round replaces the recorded results, unless told where.
const reportOut = values('out')[0] ?? (!quick && cases.join() === 'seed,medium,large' ? join(ROOT, 'bench', 'results.md') : undefined);

const SIZES = {
  // examples/practicus: 10 modules, 12 workloads, 11 flows, monitoring, 1 route
  seed: { modules: 10, workloadsPerModule: 2, flows: 12, routes: 1, runs: quick ? 5 : 61 },
  medium: { modules: 200, workloadsPerModule: 10, flows: 5000, runs: quick ? 2 : 5 },
  large: { modules: 1000, workloadsPerModule: 10, flows: 25000, runs: quick ? 1 : 3 },
};
const TARGETS = {
  seed: 'render ≤ 2.0 × `node -e 0`, faster than `kubectl kustomize`, peak RSS ≤ 80 MB',
  medium: 'render ≤ 1.5 s, peak RSS ≤ 300 MB',
  large: 'render ≤ 8 s, peak RSS ≤ 1 GB, no failure',
};

if (!existsSync(bin) || !existsSync(bundle)) {
  process.stderr.write(`no build at ${dirname(bin)}: run npm run build (npm run bench does)\n`);
  process.exit(2);
}
const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));
const KUBECTL = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = KUBECTL.status === 0;
const cleanEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8' };

const work = mkdtempSync(join(tmpdir(), 'pb-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const log = (s) => process.stderr.write(`${s}\n`);

/** argv run once as the bench runs every command: stdout to a file, stderr a pipe, a clean environment. */
function spawnAt(argv, cmd, out) {
  const fd = openSync(out, 'w');
  try {
    return spawnSync(argv[0], argv.slice(1), { cwd: cmd.cwd ?? work, env: { ...cleanEnv, ...cmd.env }, stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } finally {
    closeSync(fd);
  }
}

const exitOf = (r) => r.status ?? (r.signal ? `signal ${r.signal}` : 'error');

/**
 * One sample of a command: wall ms of a run of the command itself, then user+sys ms and peak RSS MB
 * of a second run under /usr/bin/time. Not one run under time for both: time's own fork and exec
 * (~1 – 2 ms) would be added to every command's wall time alike, and a constant added to both sides
 * of a ratio flatters it (by ~0.1 of the seed's × node -e 0: docs/performance.md).
 */
function runOnce(cmd) {
  const out = join(work, 'stdout');
  const t0 = process.hrtime.bigint();
  const r = spawnAt(cmd.argv, cmd, out);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const text = readFileSync(out, 'utf8');
  const docs = text.length === 0 ? 0 : text.split('\n').filter((l) => l === '---').length + (text.startsWith('---\n') ? 0 : 1);
  const bytes = statSync(out).size;
  let made = r;
  let cpu, rss;
  if (TIME && exitOf(r) === 0) {
    const timeFile = join(work, 'time');
    made = spawnAt([TIME, '-o', timeFile, '-f', '%U %S %M', ...cmd.argv], cmd, join(work, 'stdout-timed'));
    const line = existsSync(timeFile) ? (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '') : '';
    const [u, s, m] = line.split(' ').map(Number);
    if (Number.isFinite(m)) [cpu, rss] = [(u + s) * 1000, m / 1024];
  }
  // (the second run is made only when the first succeeded: either failing fails the sample)
  const exit = exitOf(made);
  if (exit !== 0) log(`  ${cmd.name}: exit ${exit}: ${String(made.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  return { wall, cpu, rss, exit, docs, bytes };
}

/**
 * Every command once (warm-up: page cache, compile cache) unless told not to, then `runs` rounds,
 * interleaved. Each round starts one command later than the one before, so that no command always
 * follows the same one (kustomize's two busy cores, a large render's freed memory) or leads a round.
 */
function measure(cmds, runs, warmUp = true) {
  const samples = cmds.map(() => []);
  if (warmUp) cmds.forEach((c) => runOnce(c));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < cmds.length; j++) {
      const k = (i + j) % cmds.length;
      samples[k].push(runOnce(cmds[k]));
    }
  }
  return cmds.map((c, k) => ({ name: c.name, target: c.target, node: c.node, samples: samples[k] }));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function stats(xs) {
  const v = xs.filter((x) => x !== undefined && Number.isFinite(x));
  if (!v.length) return undefined;
  const s = [...v].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { median: median(s), min: s[0], max: s[s.length - 1], q1: q(0.25), q3: q(0.75), n: s.length };
}

/** scripts/build.mjs run by `node`, into a folder of the work directory: that folder. */
function buildWith(node, name, ...flags) {
  const dist = join(work, name);
  const r = spawnSync(node, [join(ROOT, 'scripts', 'build.mjs'), ...flags, '--outdir', dist], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build ${flags.join(' ')} with ${node} failed: ${r.stderr}`);
  return dist;
}
const render = (dir, env = 'prod') => ({ argv: [bin, 'render', '--env', env, '--dir', dir] });
/** What argocd-cmp-server sets for `generate` (CMP-CONTRACT.md): the parameter, and a cluster's API versions. */
const ARGOCD_ENV = {
  ARGOCD_APP_NAME: 'policies-prod',
  ARGOCD_APP_NAMESPACE: 'argocd',
  ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'environment', string: 'prod' }]),
  KUBE_VERSION: '1.31.2',
  KUBE_API_VERSIONS: 'admissionregistration.k8s.io/v1,apps/v1,batch/v1,networking.istio.io/v1,networking.istio.io/v1/DestinationRule,networking.istio.io/v1/VirtualService,networking.istio.io/v1beta1,networking.k8s.io/v1,policy/v1,rbac.authorization.k8s.io/v1,security.istio.io/v1,security.istio.io/v1/AuthorizationPolicy,security.istio.io/v1/PeerAuthentication,security.istio.io/v1beta1,storage.k8s.io/v1,v1',
};

// ---- the repositories --------------------------------------------------------------------------
const repos = {};
for (const c of cases) {
  const size = SIZES[c];
  if (!size) {
    log(`unknown case ${c}: use seed, medium, large`);
    process.exit(2);
  }
  const dir = join(work, c);
  const g = generatePlatform({ ...size, seed: 42 });
  writePlatform(dir, g.files);
  repos[c] = { dir, counts: g.counts };
}
const practicus = join(work, 'practicus');
cpSync(join(ROOT, 'examples', 'practicus'), practicus, { recursive: true });

/**
 * The hand-written equivalent for kustomize: the seed bundle's own resources (examples/practicus,
 * prod) as a base of one file per resource, and a prod overlay adding a label and an annotation to
 * everything, an annotation to every NetworkPolicy (JSON 6902) and new canary weights on the
 * VirtualService (strategic merge).
 */
function kustomizeLayout() {
  const r = spawnSync(bin, ['render', '--env', 'prod', '--dir', practicus], { encoding: 'utf8', env: cleanEnv, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`render of examples/practicus failed: ${r.stderr}`);
  const docs = r.stdout.split(/^---\n/m).filter(Boolean);
  const base = join(work, 'kustomize', 'base');
  const overlay = join(work, 'kustomize', 'overlay');
  mkdirSync(base, { recursive: true });
  mkdirSync(overlay, { recursive: true });
  const names = docs.map((d, i) => {
    const n = `r${String(i).padStart(3, '0')}.yaml`;
    writeFileSync(join(base, n), d);
    return n;
  });
  writeFileSync(join(base, 'kustomization.yaml'), ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', ...names.map((n) => `  - ${n}`), ''].join('\n'));
  const vs = docs.find((d) => /^kind: VirtualService$/m.test(d));
  const vsName = vs && /^ {2}name: (\S+)$/m.exec(vs)?.[1];
  const vsHost = vs && /destination:\n\s+host: (\S+)/m.exec(vs)?.[1];
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - ../base',
      'labels:',
      '  - pairs: {environment: prod}',
      'commonAnnotations:',
      '  example.com/owner: platform-team',
      'patches:',
      '  - target: {kind: NetworkPolicy}',
      '    patch: |-',
      '      - op: add',
      '        path: /metadata/annotations/example.com~1tier',
      '        value: network',
      ...(vsName
        ? [
            `  - target: {kind: VirtualService, name: ${vsName}}`,
            '    patch: |-',
            '      apiVersion: networking.istio.io/v1',
            '      kind: VirtualService',
            `      metadata: {name: ${vsName}}`,
            '      spec:',
            '        http:',
            '          - name: predict',
            '            route:',
            `              - destination: {host: ${vsHost}, subset: v1-stable}`,
            '                weight: 80',
            `              - destination: {host: ${vsHost}, subset: v2-canary}`,
            '                weight: 20',
          ]
        : []),
      '',
    ].join('\n'),
  );
  return { overlay, resources: docs.length };
}

// ---- the machine ---------------------------------------------------------------------------------
const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
const machine = {
  cpu: cpuModel,
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  kubectl: hasKubectl ? KUBECTL.stdout.trim().split('\n').join('; ') : 'not installed',
  loadBefore: loadavg().map((l) => l.toFixed(2)).join(' '),
};
log(`policy-bundle benchmark: ${bin}`);
log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; load ${machine.loadBefore}`);
if (!TIME) log('no /usr/bin/time: peak RSS and CPU time are not measured');

// ---- the runs ------------------------------------------------------------------------------------
// Other Nodes (--node): each with its own build, since a snapshot loads only in the Node that built
// it; the launcher runs the `node` on PATH.
const others = extraNodes.map((node) => {
  const v = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { node, v, dist: buildWith(node, `dist-${v}`), env: { PATH: `${dirname(node)}:${cleanEnv.PATH}` } };
});
const renderWith = (o, dir) => ({ argv: [join(o.dist, 'policy-bundle'), 'render', '--env', 'prod', '--dir', dir], env: o.env });
const results = [];
if (repos.seed) {
  const cmds = [
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { name: 'render --env prod (examples/practicus)', ...render(practicus), target: 'seed' },
    { name: `render --env prod (seed: ${repos.seed.counts.modules} modules, ${repos.seed.counts.workloads} workloads, ${repos.seed.counts.flows} flows)`, ...render(repos.seed.dir), target: 'seed' },
    { name: 'plain bundle, no snapshot: `node policy-bundle.mjs render --env prod` (examples/practicus)', argv: [process.execPath, bundle, 'render', '--env', 'prod', '--dir', practicus] },
    // What Argo CD runs: `generate` in the Application's folder, the environment as its parameter.
    { name: 'generate, as Argo CD runs it (examples/practicus, parameter environment=prod)', argv: [bin, 'generate'], cwd: practicus, env: ARGOCD_ENV, target: 'seed' },
  ];
  // Where no single executable can be built, the launcher starts `node --snapshot-blob` instead.
  const blobDist = buildWith(process.execPath, 'dist-blob', '--no-sea');
  cmds.push({ name: 'snapshot blob (build --no-sea): `node --snapshot-blob` render (examples/practicus)', argv: [join(blobDist, 'policy-bundle'), 'render', '--env', 'prod', '--dir', practicus] });
  let kz;
  if (hasKubectl) {
    kz = kustomizeLayout();
    cmds.push({ name: `kubectl kustomize (base of ${kz.resources} resources + overlay)`, argv: ['kubectl', 'kustomize', kz.overlay] });
  }
  for (const o of others) {
    cmds.push({ name: `${o.v}: node -e 0`, argv: [o.node, '-e', '0'], env: o.env });
    cmds.push({ name: `${o.v}: render (examples/practicus), its own build (the launcher: single executable)`, ...renderWith(o, practicus), target: 'seed', node: o.v });
    cmds.push({ name: `${o.v}: render (seed: ${repos.seed.counts.modules} modules, ${repos.seed.counts.workloads} workloads, ${repos.seed.counts.flows} flows), its own build`, ...renderWith(o, repos.seed.dir), target: 'seed', node: o.v });
    cmds.push({ name: `${o.v}: plain bundle (examples/practicus), warm NODE_COMPILE_CACHE`, argv: [o.node, join(o.dist, 'policy-bundle.mjs'), 'render', '--env', 'prod', '--dir', practicus], env: { ...o.env, NODE_COMPILE_CACHE: join(work, `compile-cache-${o.v}`) } });
  }
  log(`seed: ${SIZES.seed.runs} rounds of ${cmds.length} commands`);
  results.push({ case: 'seed', rows: measure(cmds, SIZES.seed.runs) });
}
for (const c of ['medium', 'large']) {
  if (!repos[c]) continue;
  const { counts } = repos[c];
  const what = `render --env prod (${counts.modules} modules, ${counts.workloads} workloads, ${counts.flows} flows + monitoring, ${counts.routes} routes)`;
  const cmds = [{ name: what, ...render(repos[c].dir), target: c }];
  for (const o of others) cmds.push({ name: `${o.v}: ${what}, its own build`, ...renderWith(o, repos[c].dir), target: c, node: o.v });
  log(`${c}: ${SIZES[c].runs} runs`);
  results.push({ case: c, rows: measure(cmds, SIZES[c].runs, false) });
}
machine.loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');

// ---- the report ------------------------------------------------------------------------------------
const fmt = (ms) => (ms === undefined ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mb = (x) => (x === undefined ? 'n/a' : `${x.toFixed(0)} MB`);
const lines = [];
lines.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}; Node ${machine.node}; ${machine.kubectl}.`);
lines.push(`Load average (1, 5, 15 min) before: ${machine.loadBefore}; after: ${machine.loadAfter}.`);
lines.push('');
lines.push('| case | command | runs | wall median | wall min – max (IQR) | CPU median | peak RSS (max) | resources | output |');
lines.push('|---|---|---|---|---|---|---|---|---|');
const summary = {};
for (const r of results) {
  for (const row of r.rows) {
    const w = stats(row.samples.map((s) => s.wall));
    const c = stats(row.samples.map((s) => s.cpu));
    const rss = row.samples.map((s) => s.rss).filter((x) => x !== undefined);
    const maxRss = rss.length ? Math.max(...rss) : undefined;
    const last = row.samples[row.samples.length - 1];
    const failed = row.samples.filter((s) => s.exit !== 0).length;
    summary[row.name] = { wall: w, cpu: c, rss: maxRss, failed, docs: last.docs, bytes: last.bytes, target: row.target, node: row.node, case: r.case };
    lines.push(`| ${r.case} | ${row.name}${failed ? ` (**${failed} failed**)` : ''} | ${w.n} | **${fmt(w.median)}** | ${fmt(w.min)} – ${fmt(w.max)} (${fmt(w.q1)} – ${fmt(w.q3)}) | ${fmt(c?.median)} | ${mb(maxRss)} | ${last.docs || '–'} | ${last.bytes ? `${(last.bytes / 1024).toFixed(0)} KiB` : '–'} |`);
  }
}
lines.push('');
lines.push('| target | measured | verdict |');
lines.push('|---|---|---|');
/** `node -e 0` of the Node that ran the command: this one, or another (--node). */
const floorOf = (s) => summary[s.node ? `${s.node}: node -e 0` : 'node -e 0'];
const kzRow = Object.entries(summary).find(([n]) => n.startsWith('kubectl kustomize'))?.[1];
for (const [name, s] of Object.entries(summary)) {
  if (!s.target) continue;
  const checks = [];
  if (s.target === 'seed') {
    const ratio = s.wall.median / floorOf(s).wall.median;
    checks.push([`${ratio.toFixed(2)} × node -e 0`, ratio <= 2.0, '≤ 2.0 ×']);
    if (kzRow) {
      const k = s.wall.median / kzRow.wall.median;
      checks.push([`${k.toFixed(2)} × kubectl kustomize`, k < 1, '< 1.0 ×']);
    }
    checks.push([`${mb(s.rss)} peak RSS`, s.rss !== undefined && s.rss <= 80, '≤ 80 MB']);
  } else {
    const [limit, rssLimit] = s.target === 'medium' ? [1500, 300] : [8000, 1024];
    checks.push([`${fmt(s.wall.median)} median`, s.wall.median <= limit, `≤ ${fmt(limit)}`]);
    checks.push([`${mb(s.rss)} peak RSS`, s.rss !== undefined && s.rss <= rssLimit, `≤ ${rssLimit} MB`]);
    if (s.target === 'large') checks.push([`${s.failed} failed runs`, s.failed === 0, 'no failure']);
  }
  const which = (name.includes('examples/practicus') ? `${s.case} (practicus${name.startsWith('generate') ? ', generate' : ''})` : s.case === 'seed' ? 'seed (synthetic)' : s.case) + (s.node ? `, ${s.node}` : '');
  for (const [what, ok, want] of checks) lines.push(`| ${which}: ${want} | ${what} | ${ok ? 'met' : '**not met**'} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
if (reportOut) {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const header = ['# Benchmark results', '', `\`node bench/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}\` (what \`npm run bench\` runs, after the build), ${when} UTC. How to read it: [docs/performance.md](../docs/performance.md).`, ''];
  writeFileSync(reportOut, `${[...header, ...lines].join('\n')}\n`);
  log(`report written to ${reportOut}`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, bin, targets: TARGETS, results }, null, 2));
