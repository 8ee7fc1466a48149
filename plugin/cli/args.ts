// Argument parsing shared by the commands: node's parseArgs, with usage errors as UserError.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    throw new UserError({ message: (e as Error).message, hint: `usage: ${usage}` });
  }
}
