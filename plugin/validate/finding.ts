// One finding of validation: a stable code, a severity, where, what, and how to fix it.
import type { SourcePos } from '../errors.ts';

export type Severity = 'error' | 'warning';

export interface Finding {
  code: string;
  severity: Severity;
  pos?: SourcePos;
  message: string;
  hint: string;
  /** the environment it was found in, when validating several */
  env?: string;
}

export class FindingList {
  readonly items: Finding[] = [];
  add(code: string, severity: Severity, pos: SourcePos | undefined, message: string, hint: string): void {
    this.items.push({ code, severity, pos, message, hint });
  }
  error(code: string, pos: SourcePos | undefined, message: string, hint: string): void {
    this.add(code, 'error', pos, message, hint);
  }
  warn(code: string, pos: SourcePos | undefined, message: string, hint: string): void {
    this.add(code, 'warning', pos, message, hint);
  }
  get hasErrors(): boolean {
    return this.items.some((f) => f.severity === 'error');
  }
}
