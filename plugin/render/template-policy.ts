// What a template may contain. Checked on the parsed template before it is compiled, so an
// override cannot print a raw value, call a helper of its own, use partials, decorators,
// sub-expressions or hash arguments, or walk prototypes. What it renders is checked again after
// rendering (check/check.ts): kind, namespace, labels, annotations, schema.
import type { SourcePos } from '../errors.ts';

export const ALLOWED_BLOCKS = new Set(['if', 'unless', 'each', 'with']);
export const VALUE_HELPER = 'json';

interface HbsNode {
  type: string;
  loc?: { start: { line: number; column: number } };
  path?: HbsNode & { original?: unknown };
  params?: HbsNode[];
  hash?: { pairs?: { key: string; value: HbsNode }[] };
  program?: { body: HbsNode[] };
  inverse?: { body: HbsNode[] };
  body?: HbsNode[];
  original?: unknown;
  parts?: string[];
}

export interface TemplateProblem {
  pos: SourcePos;
  message: string;
}

const LITERALS = new Set(['StringLiteral', 'NumberLiteral', 'BooleanLiteral', 'UndefinedLiteral', 'NullLiteral']);

/**
 * Block nesting of a template source, counted before parsing so a 10 000-deep template never
 * reaches the (recursive) parser. Counts {{#...}} and {{^...}} openings against {{/...}} closings.
 */
export function checkTemplateNesting(file: string, source: string, maxDepth: number): TemplateProblem | undefined {
  let depth = 0;
  const tag = /\{\{~?\s*([#^/])/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(source))) {
    if (m[1] === '/') depth = Math.max(0, depth - 1);
    else if (++depth > maxDepth) {
      const line = source.slice(0, m.index).split('\n').length;
      return { pos: { file, line, column: 1 }, message: `template blocks nest deeper than ${maxDepth} levels` };
    }
  }
  return undefined;
}

export function checkTemplateAst(file: string, root: { body: HbsNode[] }): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (n: HbsNode): SourcePos => ({ file, line: n.loc?.start.line ?? 1, column: (n.loc?.start.column ?? 0) + 1 });
  const checkParam = (n: HbsNode) => {
    if (n.type === 'PathExpression') {
      const parts = n.parts ?? [];
      if (parts.some((p) => p === 'constructor' || p === '__proto__' || p === 'prototype' || p.startsWith('__'))) {
        problems.push({ pos: at(n), message: `"${String(n.original)}" reaches for an object's prototype` });
      }
    } else if (n.type === 'SubExpression') {
      problems.push({ pos: at(n), message: 'sub-expressions are not allowed in templates' });
    } else if (!LITERALS.has(n.type)) {
      problems.push({ pos: at(n), message: `${n.type} is not allowed as an argument` });
    }
  };
  const checkHash = (n: HbsNode) => {
    if (n.hash?.pairs?.length) {
      problems.push({ pos: at(n), message: `hash arguments (${n.hash.pairs.map((p) => `${p.key}=`).join(' ')}) are not allowed in templates` });
    }
  };
  const walk = (nodes: HbsNode[]) => {
    for (const n of nodes) {
      switch (n.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const helper = n.path?.type === 'PathExpression' ? n.path.original : undefined;
          if (helper !== VALUE_HELPER || n.params?.length !== 1) {
            problems.push({ pos: at(n), message: `{{${String(n.path?.original)}}}: values must be written as {{json <value>}}, which quotes them safely` });
          }
          n.params?.forEach(checkParam);
          checkHash(n);
          break;
        }
        case 'BlockStatement': {
          const helper = n.path?.type === 'PathExpression' ? String(n.path.original) : String(n.path?.original);
          if (n.path?.type !== 'PathExpression' || !ALLOWED_BLOCKS.has(helper)) {
            problems.push({ pos: at(n), message: `{{#${helper}}} is not allowed; blocks: ${[...ALLOWED_BLOCKS].join(', ')}` });
          }
          if (n.params?.length !== 1) problems.push({ pos: at(n), message: `{{#${helper}}} takes exactly one value` });
          n.params?.forEach(checkParam);
          checkHash(n);
          walk(n.program?.body ?? []);
          walk(n.inverse?.body ?? []);
          break;
        }
        default:
          problems.push({ pos: at(n), message: `${n.type.replace(/Statement$/, '').toLowerCase()} is not allowed in templates` });
      }
    }
  };
  walk(root.body);
  return problems;
}
