// User YAML is read by a strict fast reader (plugin/load/fast-user-yaml.ts) with a fall-back to the
// `yaml` package. The fast reader must never change a result: whenever it returns a value, that
// value (key order included) and every position recorded for it equal what the `yaml` path gives;
// whenever the `yaml` path refuses a text, the fast reader returns undefined so the error is
// worded as before. It must also take the realistic files, or there is no speed-up. Read without
// positions (render and generate), both paths give the same values and record no positions.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Document, isCollection, stringify, visit, type ToStringOptions } from 'yaml';
import { generatePlatform } from '../bench/generate.mjs';
import { readSimpleYaml, resolvePlain } from '../plugin/load/fast-user-yaml.ts';
import { DEFAULT_LIMITS, type Limits } from '../plugin/load/limits.ts';
import { keyPos, nodePos } from '../plugin/load/located.ts';
import { parseYamlFile } from '../plugin/load/yaml-source.ts';
import { PRACTICUS, PROJECT } from './helpers/cli.ts';

const FILE = 'platform.yaml';

/**
 * The `yaml` path's result for the text. A trailing document-end marker (`...`) changes neither
 * values nor positions but is outside the fast reader's subset, so parseYamlFile takes the `yaml`
 * path even once the fast reader is wired into it.
 */
function viaYaml(text: string, limits: Limits, positions = true): { value: unknown } | { error: unknown } {
  try {
    return { value: parseYamlFile(FILE, `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}...\n`, limits, positions).value };
  } catch (error) {
    return { error };
  }
}

const order = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(order) : typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => [k, order(x)]) : v;

function assertPositions(got: unknown, want: unknown, path: string, where: string): void {
  if (typeof want !== 'object' || want === null) return;
  assert.deepStrictEqual(nodePos(got), nodePos(want), `node position at ${path} ${where}`);
  const keys = Array.isArray(want) ? want.map((_, i) => i) : Object.keys(want);
  for (const k of keys) {
    assert.deepStrictEqual(keyPos(got, k), keyPos(want, k), `key position of ${path}.${k} ${where}`);
    assertPositions((got as Record<string | number, unknown>)[k], (want as Record<string | number, unknown>)[k], `${path}.${k}`, where);
  }
}

function assertNoPositions(v: unknown, path: string, where: string): void {
  if (typeof v !== 'object' || v === null) return;
  assert.equal(nodePos(v), undefined, `node position recorded at ${path} ${where}`);
  for (const [k, x] of Object.entries(v)) {
    assert.equal(keyPos(v, Array.isArray(v) ? Number(k) : k), undefined, `key position recorded for ${path}.${k} ${where}`);
    assertNoPositions(x, `${path}.${k}`, where);
  }
}

/**
 * Checks the fast reader against the `yaml` path; returns whether the fast reader took the text.
 * Read without positions (what render and generate do), both give the same values and record none.
 */
function check(text: string, limits: Limits = DEFAULT_LIMITS): boolean {
  const where = `for ${JSON.stringify(text).slice(0, 600)}`;
  const fast = readSimpleYaml(FILE, text, limits);
  const want = viaYaml(text, limits);
  if (fast === undefined) {
    assert.equal(readSimpleYaml(FILE, text, limits, false), undefined, `taken without positions only ${where}`);
    return false;
  }
  assert.ok('value' in want, `fast reader took a text the yaml path refuses (${String((want as { error: unknown }).error)}) ${where}`);
  assert.deepStrictEqual(fast.value, want.value, where);
  assert.deepStrictEqual(order(fast.value), order(want.value), `key order ${where}`);
  assertPositions(fast.value, want.value, '$', where);
  const bare = readSimpleYaml(FILE, text, limits, false);
  assert.ok(bare, `not taken without positions ${where}`);
  assert.deepStrictEqual(order(bare.value), order(fast.value), `values without positions ${where}`);
  assertNoPositions(bare.value, '$', where);
  const bareYaml = viaYaml(text, limits, false);
  assert.ok('value' in bareYaml, `the yaml path refuses the text without positions ${where}`);
  assert.deepStrictEqual(order(bareYaml.value), order(want.value), `yaml path values without positions ${where}`);
  assertNoPositions(bareYaml.value, '$', where);
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
}

describe('fast user YAML reader: realistic files', () => {
  const files = [join(PRACTICUS, 'platform.yaml'), ...yamlFiles(join(PRACTICUS, 'environments')), ...yamlFiles(join(PROJECT, 'environments'))];
  for (const f of files) {
    it(`reads ${f.slice(PROJECT.length + 1)} as the yaml package does`, () => {
      assert.ok(check(readFileSync(f, 'utf8')), 'fell back to the yaml package');
    });
  }

  it('reads the bench generator output as the yaml package does', () => {
    for (const o of [
      { modules: 3, workloadsPerModule: 1, flows: 5 },
      { modules: 20, workloadsPerModule: 4, flows: 300, seed: 7 },
      { modules: 200, workloadsPerModule: 10, flows: 5000 },
    ]) {
      const g = generatePlatform(o);
      for (const [name, text] of Object.entries(g.files)) assert.ok(check(text), `fell back on ${name} of ${JSON.stringify(o)}`);
    }
  });

  it('reads every yaml block of docs/*.md as the yaml package does', () => {
    let n = 0;
    for (const f of readdirSync(join(PROJECT, 'docs')).filter((x) => x.endsWith('.md'))) {
      const text = readFileSync(join(PROJECT, 'docs', f), 'utf8');
      for (const m of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
        n++;
        const body = m[1]!;
        const want = viaYaml(body, DEFAULT_LIMITS);
        // blocks that are not valid YAML on their own (excerpts) must fall back
        if ('error' in want) assert.equal(readSimpleYaml(FILE, body, DEFAULT_LIMITS), undefined, `${f}: ${body.slice(0, 200)}`);
        else assert.ok(check(body), `fell back on a block of docs/${f}: ${body.slice(0, 300)}`);
      }
    }
    assert.ok(n > 0);
  });

  it('is much faster than the yaml package on a large platform', () => {
    const text = generatePlatform({ modules: 200, workloadsPerModule: 10, flows: 5000 }).files['platform.yaml']!;
    const time = (f: () => unknown) => {
      const t0 = performance.now();
      f();
      return performance.now() - t0;
    };
    readSimpleYaml(FILE, text, DEFAULT_LIMITS);
    const fast = Math.min(...[1, 2, 3].map(() => time(() => readSimpleYaml(FILE, text, DEFAULT_LIMITS))));
    const slow = time(() => viaYaml(text, DEFAULT_LIMITS));
    assert.ok(fast * 3 < slow, `fast ${fast.toFixed(0)} ms, yaml ${slow.toFixed(0)} ms`);
  });
});

describe('fast user YAML reader: tricky inputs', () => {
  const taken = [
    'a: yes\nb: no\nc: on\nd: off\ne: y\n',
    'a: 0x1F\nb: 0o17\nc: 017\nd: 0x\ne: +0x1\nf: 0b11\n',
    'a: 1e3\nb: 1E3\nc: 1.0e+3\nd: .5\ne: -.5\nf: 1.\ng: +12\nh: 1_000\ni: 12345678901234567890\n',
    'a: -0\nb: +0\nc: -0.0\nd: .inf\ne: -.Inf\nf: +.INF\ng: .nan\nh: .NaN\ni: .NAN\nj: .Nan\n',
    'a: null\nb: Null\nc: NULL\nd: nULL\ne: ~\nf:\ng: true\nh: True\ni: TRUE\nj: tRUE\nk: false\n',
    "a: 'it''s'\nb: ''\nc: ' x '\n",
    'a: "\\u00e9\\t"\nb: "\\x41\\n\\\\\\"\\/\\0\\e\\N\\_\\L\\P \\ "\nc: ""\n',
    'key: value # comment\nother: "a#b"\nthird: a#b\nfourth: a #b\n',
    'a: a:b\nb: http://x.y/z\nc: a:b:c\n',
    '- - x\n  - y\n- - - z\n',
    'a:\nb: # nothing\nc:   \n- \n',
    'a: 1   \nb: x y   \n"c d": "e"  \n',
    'a: 1\r\nb:\r\n  - x\r\n  - {c: d}\r\n',
    'list:\n- a\n- b: c\n  d: e\n- [f, "g", 3]\nafter: 1\n',
    'a: {b: c, "d": [1, {e: f}], g: []}\nh: {}\ni: [a, [b, [c]]]\n',
    '1: one\n0x10: sixteen\n1.5: x\n"true": t\n',
    '- a: 1\n  b:\n  - x\n  c: 2\n-   d: 3\n    e: 4\n',
    '# only a comment\n',
    '',
    '\n\n',
    '  a: 1\n  b: 2\n',
    '[a, b]\n',
    '{a: b}  # c\n',
    'a: [-1, -x, +y, .z]\n',
    'a: b, c\nd: e f,\n',
    'a: [http://x.y/z, a:b]\nb: {url: http://x, k: {...}, j}\n',
    'a:\n  # comment\n  b: 1\n# comment at 0\n  c: 2\n',
  ];
  for (const text of taken) {
    it(`reads ${JSON.stringify(text)} as the yaml package does`, () => {
      assert.ok(check(text), 'fell back');
    });
  }

  const either = [
    '? complex\n: value\n',
    '--- \na: 1\n',
    '%YAML 1.2\n---\na: 1\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: |\n  text\n',
    'a: >\n  text\n',
    'a: 1\n---\nb: 2\n',
    'a:\tb\n',
    'a:\n\t- b\n',
    'a: 1\na: 2\n',
    '__proto__: 1\n',
    'constructor: {}\n',
    'a: {prototype: 1}\n',
    'true: 1\n',
    '~: 1\n',
    '[a]: 1\n',
    'a: b: c\n',
    'a: "x\n  y"\n',
    'a: x\n  y\n',
    'a: [\n  b\n]\n',
    'a: {b}\n',
    'a: [b: c]\n',
    'a: [b, ]\n',
    'a: b] c\n',
    'a: {b: c:}\n',
    'a: [b:]\n',
    'a: {b:c}\n',
    'a: "\\U0001F600"\n',
    'a: "\\ud83d"\n',
    'a: "bad \\q"\n',
    '"a"b: 1\n',
    'a: "x"y\n',
    'a: [x]y\n',
    'a: 1\n b: 2\n',
    '- a\n - b\n',
    'a:\n  - b\n c: 1\n',
    '\ufeffa: 1\n',
    'a: 1\r',
    'a: b\r\nc: "\r\n"\n',
    '- \r\n',
    'a: -\nb: - c\n',
    'a: {b: c}: d\n',
    'a: `x`\n',
    'a: @x\n',
    'a: %x\n',
    'a: #c\n',
    'k#: 1\n',
    'a:#b\n',
    'a : b\n',
    '"a" : b\n',
    '...\n',
    'a: 1\n...\n',
    'x',
    '"x"\n',
  ];
  for (const text of either) {
    it(`reads ${JSON.stringify(text)} as the yaml package does or falls back`, () => {
      check(text);
    });
  }

  it('falls back beyond the limits', () => {
    const deep = (n: number) => `${Array.from({ length: n }, (_, i) => `${' '.repeat(2 * i)}k${i}:`).join('\n')} x\n`;
    const small: Limits = { ...DEFAULT_LIMITS, maxDepth: 3, maxScalarLength: 8 };
    for (const text of [
      deep(3), deep(4), deep(5), '[[[[x]]]]\n', '[[[x]]]\n', 'a: 12345678\n', 'a: 123456789\n', "a: '123456789'\n",
      '123456789: 1\n', '"123456789": 1\n', `a: [${'1, '.repeat(25)}1]\n`, `${'- x\n'.repeat(19)}`, `${'- x\n'.repeat(20)}`,
    ]) {
      check(text, small);
    }
    assert.equal(readSimpleYaml(FILE, deep(4), small), undefined);
    assert.equal(readSimpleYaml(FILE, 'a: abcdefghi\n', small), undefined);
    assert.equal(readSimpleYaml(FILE, `${'- x\n'.repeat(20)}`, { ...DEFAULT_LIMITS, maxNodes: 20 }), undefined);
    assert.equal(readSimpleYaml(FILE, `${'k'.repeat(1025)}: 1\n`, { ...DEFAULT_LIMITS, maxScalarLength: 5000 }), undefined);
  });

  it('resolves plain scalars as the core schema does', () => {
    const words = ['', '~', 'null', 'Null', 'NULL', 'nuLL', 'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'no', 'on', 'y', 'n',
      '0', '-0', '+0', '007', '0o7', '0o8', '0O7', '0x1f', '0X1F', '0xg', '1_000', '1,000', '1e3', '1e+3', '1e-3', '-1E3', '1.e3', '.e3', '.5e1',
      '.5', '5.', '-.5', '+.5', '.', '-', '+', '1.2.3', '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.iNf', '.nan', '.NaN', '.NAN', '-.nan', 'inf', 'NaN',
      '12345678901234567890123', '0x123456789abcdef0123', '2001-12-14', '12:30', '1:1', '0.1', '0.10', '1.0'];
    for (const w of words) {
      const want = viaYaml(`a: ${w}\n`, DEFAULT_LIMITS);
      if (w === '' || !('value' in want)) continue;
      assert.deepStrictEqual(resolvePlain(w), (want.value as { a: unknown }).a, w);
      check(`a: ${w}\n`);
    }
  });
});

describe('fast user YAML reader: property', () => {
  const word = fc.constantFrom('app', 'name', 'web', 'api-gateway', 'm001-w2', 'app.kubernetes.io/name', '/v1/orders/*', 'GET', '10.0.0.0/8', '8000-8100', 'a:b', 'a#b', 'it\'s', 'x y');
  const tricky = fc.constantFrom('yes', 'no', 'null', '~', 'true', 'True', '0x1F', '1e3', '.5', '-0', '', ' lead', 'trail ', '#x', '- x', 'a: b', '[x]', '{y}', '@z', '`q', '"dq"', "'sq'", 'é', 'tab\there', 'line\nbreak', '\\', '%', '*a', '&a', '!t', '|', '>', '?', ':', ',', '...', '---');
  const scalar = fc.oneof(
    { weight: 4, arbitrary: word },
    { weight: 2, arbitrary: tricky },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    { weight: 2, arbitrary: fc.integer({ min: -100000, max: 100000 }) },
    { weight: 1, arbitrary: fc.double({ noNaN: false }) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const key = fc.oneof({ weight: 5, arbitrary: word }, { weight: 1, arbitrary: tricky }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
    map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    list: fc.array(tie('value'), { maxLength: 4 }),
  }));
  const doc = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 });
  const options = fc.record({
    indent: fc.constantFrom(2, 4),
    indentSeq: fc.boolean(),
    flowCollectionPadding: fc.boolean(),
    defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE'),
    defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE'),
    collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    lineWidth: fc.constantFrom(0, 40, 80),
    flowLevel: fc.constantFrom(0, 1, 2, 3),
    comments: fc.array(fc.tuple(fc.nat(), fc.constantFrom('# c', '  # c', '    #c', '', '  ', ' # trailing')), { maxLength: 4 }),
    crlf: fc.boolean(),
  });

  /** Prints with the options; collections nested flowLevel deep or more in flow style. */
  function print(v: Record<string, unknown>, o: { flowLevel: number } & ToStringOptions & { comments: [number, string][]; crlf: boolean }): string {
    const d = new Document(v, { version: '1.2' });
    if (o.flowLevel > 0) {
      visit(d, (_key, node, path) => {
        if (isCollection(node)) node.flow = path.filter((p) => isCollection(p)).length >= o.flowLevel;
      });
    }
    let text = d.toString(o);
    const lines = text.split('\n');
    for (const [at, c] of o.comments) {
      const i = at % (lines.length + 1);
      if (c.startsWith(' # trailing') && i < lines.length) lines[i] = `${lines[i]}${c}`;
      else lines.splice(i, 0, c);
    }
    text = lines.join('\n');
    return o.crlf ? text.replace(/\n/g, '\r\n') : text;
  }

  it('reads random platform-like documents as the yaml package does, or falls back', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(doc, options, (v, o) => {
        runs++;
        if (check(print(v as Record<string, unknown>, o as never))) taken++;
      }),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 1500) },
    );
    assert.ok(taken > runs / 5, `fast reader took only ${taken} of ${runs} documents`);
    if (process.env.FAST_YAML_STATS) console.log(`fast reader took ${taken} of ${runs}`);
  });

  it('reads documents with nested flow collections at every level', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(2, 4), fc.boolean(), (v, indent, indentSeq) => {
        // nested flow collections inside block ones: the style of platform.yaml
        const withFlow = stringify(v, { indent, indentSeq, version: '1.2', lineWidth: 0, flowCollectionPadding: false, collectionStyle: 'any' });
        check(withFlow);
        const flowInside = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x]));
        const doc2 = stringify(flowInside, { indent, indentSeq, version: '1.2', lineWidth: 0, collectionStyle: 'flow' });
        check(doc2);
        check(`root:\n${doc2.replace(/^/gm, '  ').trimEnd()}\n`);
      }),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 800) },
    );
  });
});

describe('fast user YAML reader: mutated realistic files', () => {
  // Hand-written files go wrong in small ways: a character too many or missing, a line indented
  // differently. Whatever the mutation, the fast reader agrees with the yaml path or falls back.
  const sources = [
    readFileSync(join(PRACTICUS, 'platform.yaml'), 'utf8').split('\n').slice(0, 60).join('\n'),
    generatePlatform({ modules: 3, workloadsPerModule: 2, flows: 6 }).files['platform.yaml']!,
    '# c\nlist:\n- a\n-\n- - b\n  - c: d\n    e:\n    - f\n    g: {h: i, j: [k, "l", \'m\']}\n-   # c\n  n: o\nempty:\nquoted: "p:q" # c\n',
  ];
  const mutation = fc.tuple(
    fc.constantFrom('insert', 'delete', 'replace', 'indent', 'dedent', 'duplicate'),
    fc.nat(),
    fc.constantFrom(' ', '  ', ':', ': ', '-', '- ', '#', ' #', '{', '}', '[', ']', ',', "'", '"', '\n', '\r\n', '?', '&a', '*a', '!', '|', '\\', 'x', '0', '.', '~', '---\n'),
  );
  it('agrees with the yaml package or falls back', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(mutation, { minLength: 1, maxLength: 3 }), (source, ms) => {
        let text = source;
        for (const [kind, at, s] of ms) {
          const i = at % (text.length + 1);
          const lineStart = text.lastIndexOf('\n', i - 1) + 1;
          const lineEnd = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
          if (kind === 'insert') text = text.slice(0, i) + s + text.slice(i);
          else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (kind === 'replace') text = text.slice(0, i) + s + text.slice(i + s.length);
          else if (kind === 'indent') text = `${text.slice(0, lineStart)}  ${text.slice(lineStart)}`;
          else if (kind === 'dedent') text = text.slice(0, lineStart) + text.slice(lineStart).replace(/^ {1,2}/, '');
          else text = text.slice(0, lineEnd) + text.slice(lineStart - 1 < 0 ? 0 : lineStart - 1, lineEnd) + text.slice(lineEnd);
        }
        check(text);
      }),
      { numRuns: Number(process.env.FAST_YAML_RUNS ?? 2000) },
    );
  });
});
