// The only way a value reaches rendered YAML: as JSON, which YAML 1.2 reads as a flow scalar,
// sequence or mapping. Nothing in a value can end its scalar, start a key, a comment or a
// document: quotes, backslashes and every control character (line breaks included) are escaped by
// JSON.stringify, lone surrogates too (well-formed JSON.stringify), and the characters some YAML
// readers treat as line breaks (YAML 1.1: NEL, LS, PS) are escaped too (../json-line.ts).
import { jsonLine } from '../json-line.ts';

/** A template asked for a value the values do not hold (strict templates: an error, not ""). */
export class UndefinedValueError extends Error {
  /** template line of the {{json ...}} that asked, when known */
  line?: number;
  constructor() {
    super('template asked for an undefined value');
    this.name = 'UndefinedValueError';
  }
}

export function jsonScalar(value: unknown): string {
  // undefined, functions and symbols have no JSON form: fail closed (values never hold the last two)
  const json = jsonLine(value);
  if (json === undefined) throw new UndefinedValueError();
  return json;
}
