// The examples of docs/intent.md are real: every `# file:` block is written to a repository (in
// order, later blocks replacing earlier files) and every `policy-bundle render` after it succeeds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
