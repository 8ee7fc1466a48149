// Template overrides: the example of docs/templates.md works, and the rules it states hold.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { cli, MINIMAL_PLATFORM, PROJECT, tempRepo } from './helpers/cli.ts';

const docsExample = /```handlebars\n\{\{!-- templates\/network-policy\.yaml\.hbs --\}\}\n([\s\S]*?)```/.exec(readFileSync(join(PROJECT, 'docs/templates.md'), 'utf8'))![1]!;
const builtin = readFileSync(join(PROJECT, 'templates/network-policy.yaml.hbs'), 'utf8');

describe('template overrides', () => {
  it('the docs example adds a team label to every NetworkPolicy and changes nothing else', async () => {
    const plain = await cli(['render', '--env', 'prod', '--dir', tempRepo({ 'platform.yaml': MINIMAL_PLATFORM })]);
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'templates/network-policy.yaml.hbs': docsExample });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const docs = r.stdout.split(/^---\n/m).filter(Boolean).map((d) => parse(d));
    const nps = docs.filter((d) => d.kind === 'NetworkPolicy');
    assert.ok(nps.length > 0);
    for (const np of nps) assert.equal(np.metadata.labels.team, 'platform-security');
    assert.equal(r.stdout.replace(/\n {4}team: platform-security/g, ''), plain.stdout);
  });

  it('a template printing a raw value is refused at its line', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'templates/network-policy.yaml.hbs': builtin.replace('name: {{json name}}', 'name: {{name}}') });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^templates\/network-policy\.yaml\.hbs:5:9: \{\{name\}\}: values must be written as \{\{json <value>\}\}/m);
  });

  it('a file that replaces no built-in template is an error naming the known ones', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'templates/networkpolicy.yaml.hbs': builtin });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"networkpolicy\.yaml\.hbs" replaces no built-in template\n  hint: .*network-policy\.yaml\.hbs/);
  });

  it('a template that drops the managed-by label or renders another kind is refused', async () => {
    for (const [change, expect] of [
      [builtin.replace('labels: {{json labels}}', 'labels: {}'), /label app\.kubernetes\.io\/managed-by: policy-bundle is missing/],
      [builtin.replace('kind: NetworkPolicy', 'kind: ClusterRoleBinding'), /kind "ClusterRoleBinding" where the template must produce NetworkPolicy/],
    ] as const) {
      const r = await cli(['render', '--env', 'prod', '--dir', tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'templates/network-policy.yaml.hbs': change })]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, expect);
    }
  });
});
