// The pre-scan every YAML file goes through before any parser (plugin/load/yaml-precheck.ts): its
// structure count bounds the nodes a file may have, its depth scan refuses deep nesting. Both let
// the regular-expression engine skip ordinary characters; these properties hold them to their
// definitions, a loop over every character, so that the same files are refused at the same
// line and column as the limits in docs/limits.md say.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UserError } from '../plugin/errors.ts';
import { DEFAULT_LIMITS } from '../plugin/load/limits.ts';
import { precheckDepth, STRUCTURE_LOOP_FROM, yamlStructureCount } from '../plugin/load/yaml-precheck.ts';

/** The definition of the structure count: line breaks and YAML indicators, character by character. */
function structureDefinition(text: string): number {
  let n = 0;
  for (const c of text.split('')) if ('\n,[]{}:-?&*!|>\'"%@`#'.includes(c)) n++;
  return n;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === undefined;

/**
 * The definition of the flow-depth scan, character by character: the offset of the first bracket
 * nesting deeper than max outside quoted scalars and comments, or -1.
 */
function flowDepthDefinition(text: string, max: number): number {
  let depth = 0;
  let quote: string | null = null;
  let prev: string | undefined; // previous character outside a quoted scalar
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        quote = null;
        prev = c;
      }
      continue;
    }
    if ((c === '"' || c === "'") && (isSpace(prev) || prev === '[' || prev === '{' || prev === ',' || prev === ':')) quote = c;
    else if (c === '#' && isSpace(prev)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    prev = c;
  }
  return -1;
}

function lineColOf(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** Where precheckDepth refuses the text (`line:col`), or undefined when it accepts it. */
function refusedAt(text: string, maxDepth: number): string | undefined {
  try {
    precheckDepth('f.yaml', text, { ...DEFAULT_LIMITS, maxDepth });
    return undefined;
  } catch (e) {
    assert.ok(e instanceof UserError);
    const p = e.problems[0]!;
    assert.equal(p.message, `nesting deeper than ${maxDepth} levels`);
    return `${p.pos!.line}:${p.pos!.column}`;
  }
}

/** Texts made of what the scans act on: brackets, quotes, escapes, comments, line breaks, indicators. */
const yamlish = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', "'", '\\', '#', ' ', '\t', '\n', '\r', ',', ':', '-', '?', 'a', 'é', '😀', '\ud800'), maxLength: 80 });
/** Flow-only texts (no line starts deeper than the flow, so the block scan cannot refuse first). */
const flowish = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', "'", '\\', '#', ' ', ',', ':', 'a'), maxLength: 60 });

describe('YAML pre-scan', () => {
  it('counts structure characters as the character-by-character definition does', () => {
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        assert.equal(yamlStructureCount(text), structureDefinition(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('counts long texts, which take the loop, as the definition does too', () => {
    const filler = 'ab: cd\n'.repeat(Math.ceil(STRUCTURE_LOOP_FROM / 7));
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary' })), (text) => {
        assert.equal(yamlStructureCount(filler + text), structureDefinition(filler) + structureDefinition(text));
      }),
      { numRuns: 200 },
    );
    assert.equal(yamlStructureCount(filler.slice(0, STRUCTURE_LOOP_FROM - 1)), structureDefinition(filler.slice(0, STRUCTURE_LOOP_FROM - 1)));
  });

  it('refuses flow nesting where the character-by-character definition does, at the same line and column', () => {
    fc.assert(
      fc.property(flowish, fc.integer({ min: 1, max: 4 }), (text, max) => {
        const at = flowDepthDefinition(text, max);
        // one line: the block scan sees a single level, under every max here
        assert.equal(refusedAt(text, max), at < 0 ? undefined : lineColOf(text, at));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a multi-line text whenever the flow definition does (the block scan may refuse earlier)', () => {
    fc.assert(
      fc.property(yamlish, fc.integer({ min: 1, max: 4 }), (text, max) => {
        if (flowDepthDefinition(text, max) >= 0) assert.notEqual(refusedAt(text, max), undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads brackets in quoted scalars and comments as text, and quotes inside plain scalars as characters', () => {
    const max = { ...DEFAULT_LIMITS, maxDepth: 2 };
    for (const ok of ['a: "[[[["', "a: '{{{{'", 'a: "\\"[[[["', 'a: 1 # [[[[', "a: don't [[ x"]) assert.doesNotThrow(() => precheckDepth('f.yaml', ok, max), ok);
    // a # inside a plain scalar starts no comment: the brackets after it count
    assert.throws(() => precheckDepth('f.yaml', 'a: b#[[[[', max), /nesting deeper than 2/);
    assert.equal(refusedAt('a: [x, "]", [y, [z]]]', 2), '1:17');
    assert.equal(refusedAt("k: 'it''s' [[[", 2), '1:14');
  });
});
