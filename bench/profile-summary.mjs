// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file, top N.
//   node scripts/build.mjs --no-sea --outdir /tmp/pb    (the snapshot as a blob, which takes Node's flags)
//   node --snapshot-blob /tmp/pb/policy-bundle.blob --cpu-prof --cpu-prof-dir=/tmp/prof -- render --env prod --dir X >/dev/null
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, n = '30'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs FILE.cpuprofile [N]\n');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const fn = new Map();
const url = new Map();
let total = 0;
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  const short = (cf.url || '(native)').replace(/^.*\/(dist|node_modules)\//, '$1/');
  const k = `${cf.functionName || '(anonymous)'}  ${short}:${cf.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + us);
  url.set(short, (url.get(short) ?? 0) + us);
  total += us;
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
console.log(`total sampled ${(total / 1000).toFixed(0)} ms`);
console.log('\n-- self time by function');
for (const [k, us] of top(fn)) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
console.log('\n-- self time by file');
for (const [k, us] of top(url)) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);

// Inclusive time of the pipeline's stages (the innermost stage on the stack wins), plus module
// compilation and evaluation outside them.
const STAGES = ['loadRepository', 'validateRepositoryEnv', 'planBundle', 'loadTemplates', 'renderResources', 'checkResources', 'emitBundle', 'compileSourceTextModule'];
const parent = new Map();
for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const stage = new Map();
for (const [id, us] of self) {
  let cur = id;
  let found = '(outside stages)';
  while (cur !== undefined) {
    const name = byId.get(cur).callFrame.functionName;
    if (STAGES.includes(name)) {
      found = name;
      break;
    }
    cur = parent.get(cur);
  }
  const cf = byId.get(id).callFrame;
  if (found === '(outside stages)' && cf.functionName === '(idle)') found = '(idle)';
  if (found === '(outside stages)' && cf.functionName === '(garbage collector)') found = '(garbage collector)';
  stage.set(found, (stage.get(found) ?? 0) + us);
}
console.log('\n-- inclusive time by stage');
for (const [k, us] of [...stage].sort((a, b) => b[1] - a[1])) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
