// Where the platform is wrong, render names the file and line, exits 2 and prints nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, MINIMAL_PLATFORM, tempRepo, WARNED_PLATFORM } from './helpers/cli.ts';

const cases: { name: string; platform: string; expect: RegExp }[] = [
  {
    name: 'unknown workload in a flow',
    platform: MINIMAL_PLATFORM.replace('to:   {workload: model-api}', 'to:   {workload: model-apii}'),
    expect: /^platform\.yaml:18:14: error PB101 unknown workload "model-apii"\n  hint: declare it under spec.workloads or use one of: model-api, job-runner$/m,
  },
  {
    name: 'unknown port name',
    platform: MINIMAL_PLATFORM.replace('ports: [http]', 'ports: [grpc]'),
    expect: /^platform\.yaml:19:15: error PB102 unknown port name "grpc" on workload "model-api"\n  hint: use a number or one of: http$/m,
  },
  {
    name: 'unknown subset in a route',
    platform: MINIMAL_PLATFORM + '  routes:\n    model-api:\n      subsets: {v1: {version: v1}}\n      http:\n        - {name: p, weights: {v1: 90, v3: 10}}\n',
    expect: /^platform\.yaml:25:39: error PB103 unknown subset "v3"/m,
  },
  {
    name: 'a misspelt field',
    platform: MINIMAL_PLATFORM.replace('serviceAccount: model-api', 'serviceAcount: model-api'),
    expect: /^platform\.yaml:12:7: error PB001 spec\.workloads\.model-api\.serviceAcount: unknown field/m,
  },
  {
    name: 'a duplicate key',
    platform: MINIMAL_PLATFORM.replace('    job-runner: {module', '    model-api: {module: ml-jobs, selector: {app: x}}\n    job-runner: {module'),
    expect: /^platform\.yaml:14:5: YAML: duplicate key "model-api"/m,
  },
  {
    name: 'a port out of range',
    platform: MINIMAL_PLATFORM.replace('port: 8080', 'port: 80800'),
    expect: /^platform\.yaml:13:28: error PB001 spec\.workloads\.model-api\.ports\.0\.port: ports are 1-65535/m,
  },
];

describe('render fails closed on a wrong platform', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const dir = tempRepo({ 'platform.yaml': c.platform });
      const r = await cli(['render', '--env', 'prod', '--dir', dir]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.match(r.stderr, c.expect);
    });
  }

  // render and generate read a repository without source positions, and again with them when
  // there is something to say (pipeline.ts): messages point at the user's text all the same.
  it('a warning of a render that succeeds names its file, line and column', async () => {
    const dir = tempRepo({ 'platform.yaml': WARNED_PLATFORM });
    const expected = /^platform\.yaml:23:12: warning PB132 10\.1\.0\.1\/16 has host bits set/m;
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, expected);
    const g = await cli(['generate'], { cwd: dir, env: { ARGOCD_ENV_ENVIRONMENT: 'prod' } });
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stderr, expected);
    assert.equal(g.stdout, r.stdout);
  });

  it('an error composing an environment names the overlay\'s file, line and column', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM, 'environments/prod.yaml': 'apiVersion: policy-bundle.dev/v1alpha1\nkind: Environment\nmetadata: {name: prod}\nspec:\n  extends: prodd\n' });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^environments\/prod\.yaml:5:3: extends unknown environment "prodd"/m);
  });

  it('reports every problem at once, not only the first', async () => {
    const dir = tempRepo({ 'platform.yaml': MINIMAL_PLATFORM.replace('ports: [http]', 'ports: [grpc]').replace('from: {workload: job-runner}', 'from: {workload: nobody}') });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PB101 unknown workload "nobody"/);
  });

  it('a missing platform.yaml is a usage error naming the folder', async () => {
    const dir = tempRepo({ 'README.md': 'x' });
    const r = await cli(['render', '--env', 'prod', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no platform\.yaml in /);
  });

  it('render without --env is a usage error', async () => {
    const r = await cli(['render']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --env/);
  });

  it('every command answers --help on stdout with exit 0', async () => {
    for (const c of ['render', 'generate', 'validate', 'parameters']) {
      const r = await cli([c, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^usage: policy-bundle ${c}`));
    }
  });
});
