// A strict single-pass reader for the common subset of YAML that policy repositories are written
// in: comments, block mappings and sequences (compact `- key: v` items included), single-line flow
// collections, plain and single-line quoted scalars, YAML 1.2 core schema. For such text it gives
// exactly what yaml-source.ts's parseYamlFile gives through the `yaml` package (the same plain
// values, key order and positions through setKeyPos/setNodePos), many times faster and without a
// document tree. For anything else (anchors, tags, block scalars, multi-line scalars or flow
// collections, `---`, tabs, duplicate or forbidden keys, anything over the limits...) it returns
// undefined and the caller parses with the `yaml` package, which also words every error.
// test/fast-user-yaml.test.ts holds the two readers to the same results.
import type { SourcePos } from '../errors.ts';
import type { Limits } from './limits.ts';
import { setKeyPos, setNodePos } from './located.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Characters the reader does not reason about: tabs, controls, lone CRs, BOM, odd line breaks, surrogates. */
const ODD_TEXT = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]|\r(?!\n)/;
/** YAML's limit on implicit keys (the `yaml` package reports longer ones). */
const MAX_IMPLICIT_KEY = 1024;

class Bail {}
const BAIL = new Bail();
function bail(): never {
  throw BAIL;
}

// Core schema, in the order the `yaml` package tries its tags (yaml/dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** What the core schema makes of a plain scalar. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Fast path: only ~, letters n N t T f F, digits, + - and . can start a non-string.
  const maybe = s.length === 0 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57);
  if (!maybe) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return c === 116 || c === 84;
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX = /^[0-9a-fA-F]+$/;

/** What pos() gives when no positions are recorded: never stored, never shown. */
const NOWHERE: SourcePos = Object.freeze({ file: '', line: 0, column: 0 });

// Line feed, CR (always before LF), or the end of the text (NaN). The loops that run per character
// write this test out (`c === 10 || c === 13 || c !== c`): a render runs them as cold code, which
// V8 does not inline, and a call per character was most of this reader's calls.
const isEnd = (c: number) => c === 10 || c === 13 || Number.isNaN(c);

class Reader {
  private i = 0;
  private line = 1;
  private ls = 0; // offset of the current line's start
  private ind = -1; // indentation of the content line the cursor is on, -1 at the end
  private nodes = 0;
  private sv: unknown; // the value of the last scalar read by scalarAt

  constructor(
    private readonly file: string,
    private readonly t: string,
    private readonly limits: Limits,
    private readonly positions: boolean,
  ) {}

  private pos(offset: number): SourcePos {
    return this.positions ? { file: this.file, line: this.line, column: offset - this.ls + 1 } : NOWHERE;
  }

  private keyAt(container: object, key: string | number, pos: SourcePos): void {
    if (this.positions) setKeyPos(container, key, pos);
  }

  private nodeAt(node: object, pos: SourcePos): void {
    if (this.positions) setNodePos(node, pos);
  }

  private node(depth: number): void {
    if (depth > this.limits.maxDepth || ++this.nodes > this.limits.maxNodes) bail();
  }

  private code(i: number): number {
    return this.t.charCodeAt(i);
  }

  /** From anywhere on a line with nothing more to read, to the next content line (ind) or the end. */
  private nextContent(): number {
    const t = this.t;
    const n = t.length;
    let i = this.i;
    for (;;) {
      const nl = t.indexOf('\n', i);
      if (nl < 0) {
        this.i = n;
        return (this.ind = -1);
      }
      i = nl + 1;
      this.line++;
      this.ls = i;
      let j = i;
      while (t.charCodeAt(j) === 32) j++;
      const c = t.charCodeAt(j);
      if (isEnd(c)) {
        if (j >= n) {
          this.i = n;
          return (this.ind = -1);
        }
        i = j;
        continue;
      }
      if (c === 35) {
        i = j;
        continue;
      }
      // document markers (---, ...) and directives: not in the subset
      if (j === i && (t.startsWith('---', j) || t.startsWith('...', j))) bail();
      this.i = j;
      return (this.ind = j - i);
    }
  }

  /** The rest of the line must be spaces and maybe a comment (after a space). */
  private endLine(): void {
    const t = this.t;
    let i = this.i;
    const start = i;
    while (t.charCodeAt(i) === 32) i++;
    const c = t.charCodeAt(i);
    if (c === 35) {
      if (i === start && t.charCodeAt(i - 1) !== 32) bail();
    } else if (!isEnd(c)) bail();
    this.i = i;
  }

  private isDash(i: number): boolean {
    const t = this.t;
    if (t.charCodeAt(i) !== 45) return false;
    const d = t.charCodeAt(i + 1);
    return d === 32 || isEnd(d);
  }

  document(): unknown {
    // the first line may itself be content: step back so nextContent() reads it
    const t = this.t;
    let j = 0;
    while (t.charCodeAt(j) === 32) j++;
    const c = t.charCodeAt(j);
    if (isEnd(c) || c === 35) {
      this.i = j;
      this.line = 1;
      if (j >= t.length) return null;
      this.nextContent(); // from this blank or comment line to the first content line
    } else {
      if (j === 0 && (t.startsWith('---') || t.startsWith('...'))) bail();
      this.i = j;
      this.ind = j;
    }
    if (this.ind < 0) return null;
    const v = this.blockNode(0);
    if (this.ind >= 0) bail();
    return v;
  }

  /** A node starting at the cursor, the first content of its line. */
  private blockNode(depth: number): unknown {
    const t = this.t;
    const i = this.i;
    const c = t.charCodeAt(i);
    if (this.isDash(i)) return this.blockSeq(depth);
    if (c === 123 || c === 91) {
      const v = this.flow(depth);
      this.endLine();
      this.nextContent();
      return v;
    }
    // a key starts a block mapping; a scalar alone on its line is not in the subset
    if (!this.scalarAt(false)) bail();
    this.i = i;
    return this.blockMap(depth);
  }

  private blockMap(depth: number): Record<string, unknown> {
    this.node(depth);
    const out: Record<string, unknown> = {};
    this.nodeAt(out, this.pos(this.i));
    const col = this.i - this.ls;
    for (;;) {
      const kpos = this.pos(this.i);
      if (!this.scalarAt(false)) bail();
      const key = this.keyString(this.sv);
      if (Object.hasOwn(out, key)) bail();
      // cursor is just after the ':'
      const t = this.t;
      while (t.charCodeAt(this.i) === 32) this.i++;
      const c = t.charCodeAt(this.i);
      let value: unknown;
      if (isEnd(c) || c === 35) {
        this.endLine();
        const m = this.nextContent();
        if (m > col) value = this.blockNode(depth + 1);
        else if (m === col && this.isDash(this.i)) value = this.blockSeq(depth + 1);
        else {
          this.node(depth + 1);
          value = null;
        }
      } else {
        value = this.inline(depth + 1);
      }
      out[key] = value;
      this.keyAt(out, key, kpos);
      const m = this.ind;
      if (m < col) return out;
      if (m > col || this.isDash(this.i)) bail();
    }
  }

  private blockSeq(depth: number): unknown[] {
    this.node(depth);
    const out: unknown[] = [];
    this.nodeAt(out, this.pos(this.i));
    const col = this.i - this.ls;
    const t = this.t;
    for (;;) {
      this.i++; // the dash
      while (t.charCodeAt(this.i) === 32) this.i++;
      const c = t.charCodeAt(this.i);
      const index = out.length;
      let ipos: SourcePos;
      let item: unknown;
      if (isEnd(c) || c === 35) {
        if (c === 13) bail();
        ipos = this.pos(this.i);
        this.endLine();
        const m = this.nextContent();
        if (m > col) {
          ipos = this.pos(this.i);
          item = this.blockNode(depth + 1);
        } else {
          this.node(depth + 1);
          item = null;
        }
      } else {
        ipos = this.pos(this.i);
        if (this.isDash(this.i)) item = this.blockSeq(depth + 1);
        else if (c === 123 || c === 91) item = this.inline(depth + 1);
        else {
          const start = this.i;
          if (this.scalarAt(false)) {
            this.i = start;
            item = this.blockMap(depth + 1);
          } else {
            this.i = start;
            item = this.inline(depth + 1);
          }
        }
      }
      out.push(item);
      this.keyAt(out, index, ipos);
      const m = this.ind;
      if (m < col || (m === col && !this.isDash(this.i))) return out;
      if (m > col) bail();
    }
  }

  /** A value on the rest of the line (after `key: ` or `- `): flow collection or scalar. */
  private inline(depth: number): unknown {
    const c = this.code(this.i);
    let v: unknown;
    if (c === 123 || c === 91) v = this.flow(depth);
    else {
      if (this.scalarAt(false)) bail(); // a mapping inside a value: not allowed / not in the subset
      this.node(depth);
      v = this.sv;
    }
    this.endLine();
    this.nextContent();
    return v;
  }

  private keyString(v: unknown): string {
    if (typeof v !== 'string' && typeof v !== 'number') bail();
    const s = String(v);
    if (s.length > this.limits.maxScalarLength || FORBIDDEN_KEYS.has(s)) bail();
    return s;
  }

  /**
   * A quoted or plain scalar at the cursor; in block context, `key` tells whether it is followed by
   * `: ` (cursor then after the colon). In flow context the cursor stops at the scalar's end.
   */
  private scalarAt(flow: boolean): boolean {
    const t = this.t;
    const start = this.i;
    const c = t.charCodeAt(start);
    let value: unknown;
    let raw: number; // source length, for the implicit-key limit
    if (c === 39 || c === 34) {
      const s = c === 39 ? this.single() : this.double();
      if (s.length > this.limits.maxScalarLength) bail();
      value = s;
      raw = this.i - start;
      if (this.code(this.i) === 58) {
        const d = this.code(this.i + 1);
        if (d === 32 || (!flow && isEnd(d))) {
          if (raw > MAX_IMPLICIT_KEY) bail();
          if (!flow) this.i++;
          this.sv = value;
          return true;
        }
        bail();
      }
      // block: followed by the end of the line, spaces or comment (endLine checks); flow: by , ] }
      this.sv = value;
      return false;
    }
    // plain scalar: indicators cannot start one (- ? : only when followed by a space)
    if (
      c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || c === 35 || c === 38 || c === 42 || c === 33 ||
      c === 124 || c === 62 || c === 37 || c === 64 || c === 96 || isEnd(c) || c === 32
    ) bail();
    if (c === 45 || c === 63 || c === 58) {
      const d = t.charCodeAt(start + 1);
      if (d === 32 || isEnd(d) || (flow && (d === 44 || d === 93 || d === 125 || d === 91 || d === 123))) bail();
    }
    let j = start + 1;
    let key = false;
    for (;; j++) {
      const d = t.charCodeAt(j);
      if (d === 10 || d === 13 || d !== d) {
        if (flow) bail(); // multi-line flow collection
        break;
      }
      if (d === 58) {
        const e = t.charCodeAt(j + 1);
        if (e === 32 || isEnd(e)) {
          key = true;
          break;
        }
        // in flow context `:` not followed by a space or indicator stays in the scalar (http://x)
        if (flow && (e === 44 || e === 91 || e === 93 || e === 123 || e === 125)) bail();
      } else if (d === 35) {
        if (t.charCodeAt(j - 1) === 32) {
          if (flow) bail();
          break;
        }
      } else if (d === 91 || d === 93 || d === 123 || d === 125) {
        if (!flow) bail();
        if (d === 93 || d === 125) break;
        bail();
      } else if (d === 44 && flow) break;
    }
    let end = j;
    while (t.charCodeAt(end - 1) === 32) end--;
    const s = t.slice(start, end);
    if (key) {
      if (end - start > MAX_IMPLICIT_KEY) bail();
      this.i = flow ? j : j + 1;
    } else this.i = flow ? end : j;
    value = resolvePlain(s);
    if (typeof value === 'string' && value.length > this.limits.maxScalarLength) bail();
    this.sv = value;
    return key;
  }

  private single(): string {
    const t = this.t;
    let i = this.i + 1;
    let out = '';
    let from = i;
    for (;; i++) {
      const c = t.charCodeAt(i);
      if (c === 10 || c === 13 || c !== c) bail(); // multi-line: not in the subset
      if (c === 39) {
        out += t.slice(from, i);
        if (t.charCodeAt(i + 1) === 39) {
          out += "'";
          i++;
          from = i + 1;
          continue;
        }
        this.i = i + 1;
        return out;
      }
    }
  }

  private double(): string {
    const t = this.t;
    let i = this.i + 1;
    let out = '';
    let from = i;
    for (;; i++) {
      const c = t.charCodeAt(i);
      if (c === 10 || c === 13 || c !== c) bail();
      if (c === 34) {
        out += t.slice(from, i);
        this.i = i + 1;
        return out;
      }
      if (c === 92) {
        out += t.slice(from, i);
        const e = t[i + 1];
        if (e === undefined) bail();
        const simple = SIMPLE_ESCAPES[e];
        if (simple !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) {
          out += simple;
          i++;
        } else if (e === 'x' || e === 'u') {
          const len = e === 'x' ? 2 : 4;
          const hex = t.slice(i + 2, i + 2 + len);
          if (hex.length !== len || !HEX.test(hex)) bail();
          const cp = parseInt(hex, 16);
          if (cp >= 0xd800 && cp <= 0xdfff) bail();
          out += String.fromCharCode(cp);
          i += 1 + len;
        } else bail();
        from = i + 1;
      }
    }
  }

  /** A flow collection on one line, at the cursor. */
  private flow(depth: number): unknown {
    this.node(depth);
    const t = this.t;
    const open = this.code(this.i);
    const close = open === 123 ? 125 : 93;
    const out: unknown = open === 123 ? {} : [];
    this.nodeAt(out as object, this.pos(this.i));
    this.i++;
    this.spaces();
    if (this.code(this.i) === close) {
      this.i++;
      return out;
    }
    for (;;) {
      if (open === 123) {
        const obj = out as Record<string, unknown>;
        const kpos = this.pos(this.i);
        const isKey = this.scalarAt(true);
        const key = this.keyString(this.sv);
        if (Object.hasOwn(obj, key)) bail();
        if (isKey) {
          if (this.code(this.i) !== 58) bail();
          this.i++; // the colon
          this.spaces();
          const c = this.code(this.i);
          if (c === 44 || c === 125 || c === 35 || isEnd(c)) bail(); // `{a: }`: not in the subset
          obj[key] = this.flowNode(depth + 1);
        } else {
          // `{a, b}`: keys with null values
          this.spaces();
          const c = this.code(this.i);
          if (c !== 44 && c !== 125) bail();
          this.node(depth + 1);
          obj[key] = null;
        }
        this.keyAt(obj, key, kpos);
      } else {
        const arr = out as unknown[];
        const ipos = this.pos(this.i);
        const index = arr.length;
        arr.push(this.flowNode(depth + 1));
        this.keyAt(arr, index, ipos);
      }
      this.spaces();
      const c = this.code(this.i);
      if (c === close) {
        this.i++;
        return out;
      }
      if (c !== 44) bail();
      this.i++;
      this.spaces();
      const d = this.code(this.i);
      if (d === 44 || d === 93 || d === 125) bail(); // trailing or doubled commas
    }
  }

  private flowNode(depth: number): unknown {
    const c = this.code(this.i);
    if (c === 123 || c === 91) return this.flow(depth);
    if (this.scalarAt(true)) bail(); // implicit pairs in sequences / nested maps without braces
    this.node(depth);
    return this.sv;
  }

  private spaces(): void {
    const t = this.t;
    let i = this.i;
    while (t.charCodeAt(i) === 32) i++;
    this.i = i;
  }
}

/**
 * What parseYamlFile would return for the text, with the same positions recorded (none when
 * `positions` is false), or undefined when the text is not in the subset (the caller then uses the
 * `yaml` package). Call it after the size and depth prechecks.
 */
export function readSimpleYaml(file: string, text: string, limits: Limits, positions = true): { value: unknown } | undefined {
  if (ODD_TEXT.test(text)) return undefined;
  try {
    return { value: new Reader(file, text, limits, positions).document() };
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}
