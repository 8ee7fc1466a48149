// What a template may contain. Checked on the parsed template before it is compiled, so an
// override cannot print a raw value, call a helper of its own, use partials or walk prototypes.
import type { SourcePos } from '../errors.ts';

export const ALLOWED_BLOCKS = new Set(['if', 'unless', 'each', 'with']);
export const VALUE_HELPER = 'json';

interface HbsNode {
  type: string;
  loc?: { start: { line: number; column: number } };
  path?: { original?: unknown; type?: string; parts?: string[] };
  params?: HbsNode[];
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

export function checkTemplateAst(file: string, root: { body: HbsNode[] }): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (n: HbsNode): SourcePos => ({ file, line: n.loc?.start.line ?? 1, column: (n.loc?.start.column ?? 0) + 1 });
  const checkPathExpr = (n: HbsNode) => {
    if (n.type === 'PathExpression') {
      const parts = n.parts ?? [];
      if (parts.some((p) => p === 'constructor' || p === '__proto__' || p === 'prototype' || p.startsWith('__'))) {
        problems.push({ pos: at(n), message: `"${String(n.original)}" reaches for an object's prototype` });
      }
    } else if (n.type === 'SubExpression') {
      problems.push({ pos: at(n), message: 'sub-expressions are not allowed in templates' });
    }
  };
  const walk = (nodes: HbsNode[]) => {
    for (const n of nodes) {
      switch (n.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const helper = n.path?.original;
          if (helper !== VALUE_HELPER || n.params?.length !== 1) {
            problems.push({ pos: at(n), message: `{{${String(helper)}}}: values must be written as {{json <value>}}, which quotes them safely` });
          }
          n.params?.forEach(checkPathExpr);
          break;
        }
        case 'BlockStatement': {
          const helper = String(n.path?.original);
          if (!ALLOWED_BLOCKS.has(helper)) problems.push({ pos: at(n), message: `{{#${helper}}} is not allowed; blocks: ${[...ALLOWED_BLOCKS].join(', ')}` });
          n.params?.forEach(checkPathExpr);
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
