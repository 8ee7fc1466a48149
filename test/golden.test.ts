// Golden bundles of examples/practicus, one per environment. Each golden file was read and is a
// claim that the output is right; UPDATE_GOLDEN=1 rewrites them (read the diff before committing).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, PRACTICUS, PROJECT } from './helpers/cli.ts';

const GOLDEN = join(PROJECT, 'test', 'golden', 'practicus');

describe('golden bundles of examples/practicus', () => {
  for (const env of ['dev', 'staging', 'prod']) {
    it(`renders ${env} exactly as test/golden/practicus/${env}.yaml`, async () => {
      // GIVEN the example repository WHEN rendering the environment
      const r = await cli(['render', '--env', env, '--dir', PRACTICUS]);
      assert.equal(r.code, 0, r.stderr);
      const file = join(GOLDEN, `${env}.yaml`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, r.stdout);
      assert.ok(existsSync(file), `missing ${file}: run with UPDATE_GOLDEN=1 and read it`);
      // THEN the bytes are the golden file's
      const want = readFileSync(file, 'utf8');
      if (r.stdout !== want) {
        writeFileSync(join(GOLDEN, `${env}.got.yaml`), r.stdout);
        assert.fail(`bundle differs from ${file}; see ${env}.got.yaml (diff -u the two)`);
      }
    });
  }

  it('renders byte-identical output twice', async () => {
    const a = await cli(['render', '--env', 'prod', '--dir', PRACTICUS]);
    const b = await cli(['render', '--env', 'prod', '--dir', PRACTICUS]);
    assert.equal(a.stdout, b.stdout);
  });
});
