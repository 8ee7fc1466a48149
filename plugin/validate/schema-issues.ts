// zod issues → findings at the user's line. Unknown keys point at the key itself.
import type { core } from 'zod/mini';
import type { SourcePos } from '../errors.ts';
import { posAt } from '../load/located.ts';
import type { FindingList } from './finding.ts';

export function reportSchemaIssues(
  error: { issues: core.$ZodIssue[] },
  root: unknown,
  fallback: SourcePos,
  prefix: string,
  f: FindingList,
): void {
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const shown = [prefix, ...path].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        f.error('PB001', posAt(root, [...path, key]) ?? fallback, `${shown ? shown + '.' : ''}${key}: unknown field`, 'check the spelling; docs/reference.md lists every field');
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      // Report the branch whose shape the value has (same type, fewest complaints), if any.
      const branches = issue.errors.filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      const [best, second] = branches.sort((a, b) => a.length - b.length);
      if (best && (!second || best.length < second.length)) {
        const nested = best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
        reportSchemaIssues({ issues: nested as core.$ZodIssue[] }, root, fallback, prefix, f);
        continue;
      }
    }
    let message = issue.message;
    if (issue.code === 'invalid_union') message = 'does not match any allowed form (see docs/reference.md)';
    // A bad map key (module, workload or label name): zod's own text is "Invalid key in record".
    if (issue.code === 'invalid_key') message = `the key ${issue.issues.map((i) => i.message).join('; ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
    f.error('PB001', posAt(root, path) ?? fallback, `${shown || '(document)'}: ${message}`, hintFor(issue));
  }
}

function hintFor(issue: core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_key') return 'rename the key';
  return 'see docs/reference.md for the field';
}
