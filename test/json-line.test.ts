// The one-line JSON that every YAML reader reads back as the same value (plugin/json-line.ts): the
// json template helper prints values with it, the check stage takes its text as canonical, and the
// YAML writer quotes strings with it. Plain strings take a shortcut past JSON.stringify; these
// properties hold every string and value to the definition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { jsonLine } from '../plugin/json-line.ts';

/** The definition: JSON.stringify's text, with NEL, LS and PS escaped as \uXXXX. */
const definition = (v: unknown): string | undefined =>
  JSON.stringify(v)?.replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Strings near the shortcut's edge: quotes, backslashes, controls, DEL, line breaks, lone surrogates. */
const edgy = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '~', '!', '#', '[', ']', '"', '\\', '\t', '\n', '\x1f', '\x7f', '\u0085', '\u00e9', '\u2028', '\u2029', '\ud800', '\udc00', '😀') });
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), edgy);

describe('jsonLine', () => {
  it('prints every string as its definition does (JSON.stringify, YAML 1.1 line breaks escaped)', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        assert.equal(jsonLine(s), definition(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('prints every JSON value as its definition does, and nothing for what JSON cannot hold', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.equal(jsonLine(v), definition(v));
      }),
      { numRuns: 1000 },
    );
    assert.equal(jsonLine(undefined), undefined);
    assert.equal(jsonLine(() => 1), undefined);
  });

  it('is one line that a YAML 1.2 reader reads back as the same string', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const text = jsonLine(s)!;
        assert.doesNotMatch(text, /[\n\r\u0085\u2028\u2029]/);
        assert.equal(parse(`k: ${text}\n`, { version: '1.2' }).k, s);
      }),
      { numRuns: 1000 },
    );
  });
});
