// The YAML writer: whatever JSON data goes in comes back unchanged through a YAML 1.2 reader, and
// the bytes do not depend on key order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { sortResources } from '../plugin/emit/bundle.ts';
import { writeDocument } from '../plugin/emit/yaml-writer.ts';

const normalize = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('yaml-writer', () => {
  it('round-trips any JSON object through a YAML parser', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const data = normalize(obj);
        assert.deepEqual(parse(writeDocument(data), { version: '1.2' }) ?? {}, data);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes strings a YAML reader would take for something else', () => {
    const tricky = ['true', 'no', 'null', '~', '0x10', '1e3', '8080', '', ' lead', '- x', 'a: b', '#c', '\n---\nkind: ClusterRoleBinding', '*', '&a', '!tag', '{x}', '[y]', '@z', '`q`', '5s'];
    const doc = writeDocument({ values: tricky });
    assert.deepEqual(parse(doc).values, tricky);
    assert.equal(doc.split('\n---').length, 1, 'no value starts a document');
  });

  it('writes apiVersion, kind and metadata first, then sorted keys, independent of input order', () => {
    const a = writeDocument({ spec: { b: 1, a: 2 }, metadata: { annotations: {}, name: 'web', namespace: 'ns' }, kind: 'K', apiVersion: 'v1' });
    const b = writeDocument({ apiVersion: 'v1', kind: 'K', metadata: { namespace: 'ns', name: 'web', annotations: {} }, spec: { a: 2, b: 1 } });
    assert.equal(a, b);
    assert.equal(a, 'apiVersion: v1\nkind: K\nmetadata:\n  name: web\n  namespace: ns\n  annotations: {}\nspec:\n  a: 2\n  b: 1\n');
  });

  it('writes the keys of every mapping in code-unit order, whatever their order and number', () => {
    // GIVEN mappings of any keys (integer-like, unicode, many or few), built in two key orders
    const key = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.nat().map(String));
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 30 }), (keys) => {
        const inner = Object.fromEntries(keys.map((k, i) => [k, i]));
        const reversed = Object.fromEntries([...keys].reverse().map((k) => [k, inner[k]]));
        // WHEN both are written THEN the bytes are the same, and the keys read back (in document order) are sorted
        const doc = writeDocument({ spec: inner });
        assert.equal(writeDocument({ spec: reversed }), doc);
        const spec = (parse(doc, { version: '1.2', mapAsMap: true }) as Map<unknown, unknown>).get('spec');
        assert.deepEqual(spec instanceof Map ? [...spec.keys()].map(String) : [], [...keys].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('sorts resources by wave, then kind, namespace and name', () => {
    const r = (wave: number, kind: string, namespace: string, name: string) => ({ wave, kind, namespace, name });
    const sorted = sortResources([r(0, 'B', 'a', 'x'), r(-30, 'Z', 'z', 'z'), r(0, 'A', 'b', 'x'), r(0, 'A', 'a', 'y'), r(0, 'A', 'a', 'x')]);
    assert.deepEqual(sorted.map((s) => `${s.wave} ${s.kind} ${s.namespace} ${s.name}`), ['-30 Z z z', '0 A a x', '0 A a y', '0 A b x', '0 B a x']);
  });
});
