// The examples of docs/intent.md are real: every `# file:` block is written to a repository (in
// order, later blocks replacing earlier files) and every `policy-bundle render` after it succeeds.
// The README's quickstart runs as written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, PROJECT, tempRepo } from './helpers/cli.ts';

describe('docs/intent.md examples', () => {
  const text = readFileSync(join(PROJECT, 'docs/intent.md'), 'utf8');
  const blocks = [...text.matchAll(/```(yaml|sh)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
  const files: Record<string, string> = {};
  let step = 0;
  for (const b of blocks) {
    const file = /^# file: (\S+)\n/.exec(b.body);
    if (b.lang === 'yaml' && file) {
      files[file[1]!] = b.body;
      continue;
    }
    if (b.lang !== 'sh') continue;
    const snapshot = { ...files };
    for (const line of b.body.split('\n')) {
      const m = /^policy-bundle render --env (\S+) --dir \./.exec(line);
      if (!m) continue;
      const n = ++step;
      it(`example ${n}: render --env ${m[1]} with ${Object.keys(snapshot).join(', ')}`, async () => {
        const dir = tempRepo(snapshot);
        const r = await cli(['render', '--env', m[1]!, '--dir', dir]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^---\napiVersion: /);
      });
    }
  }
  it('has examples', () => assert.ok(step >= 6, `found ${step}`));
});

describe('README quickstart', () => {
  // Run as written, with the built CLI (dist/policy-bundle), from a folder that sees the project's
  // dist/ and examples/ but keeps what the commands write.
  const readme = readFileSync(join(PROJECT, 'README.md'), 'utf8');
  const quickstart = /## Quickstart\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = quickstart
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, ''))
    .filter((l) => l.startsWith('dist/policy-bundle '));
  it('has the render and validate commands', () => assert.deepEqual(commands.map((c) => c.split(' ')[1]), ['render', 'validate']));
  for (const command of commands) {
    it(command, () => {
      const cwd = tempRepo({});
      for (const d of ['dist', 'examples']) symlinkSync(join(PROJECT, d), join(cwd, d));
      const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      assert.equal(r.status, 0, r.stderr);
      const out = / > (\S+)$/.exec(command)?.[1];
      if (out) assert.equal(readFileSync(join(cwd, out), 'utf8'), readFileSync(join(PROJECT, 'test/golden/practicus/prod.yaml'), 'utf8'));
      else assert.match(r.stdout + r.stderr, /environment\(s\) checked: 0 error\(s\)/);
    });
  }
});
