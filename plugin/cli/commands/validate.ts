// validate [--env E] [--dir D] [--format human|json|github] [--strict]: every environment (or one),
// schema, semantic and guardrail checks, rendered resources included.
import { FindingsError, UserError } from '../../errors.ts';
import { environmentNames, loadRepository } from '../../load/load.ts';
import { buildFromLoaded, validateRepositoryEnv } from '../../pipeline.ts';
import type { Finding } from '../../validate/finding.ts';
import { formatGithub, formatHuman, formatJson } from '../../validate/format.ts';
import { parse } from '../args.ts';
import type { Command } from '../io.ts';
import { resolveDir } from './render.ts';

const usage = 'policy-bundle validate [--env <environment>] [--dir <repository>] [--format human|json|github] [--strict]';

export const command: Command = {
  summary: 'Check every environment of a repository (or one): schemas, references, semantics, the prod floor and the rendered resources. Exit 1 on errors (and on warnings with --strict).',
  usage,
  async run(io, args) {
    const { values } = parse(args, { env: { type: 'string' }, dir: { type: 'string', default: '.' }, format: { type: 'string', default: 'human' }, strict: { type: 'boolean', default: false } }, usage);
    if (!['human', 'json', 'github'].includes(values.format!)) throw new UserError({ message: `unknown --format ${values.format}`, hint: 'use human, json or github' });
    const dir = resolveDir(io.cwd, values.dir!);
    io.beforeReading?.(dir);
    const loaded = loadRepository(dir);
    const envs = values.env ? [values.env] : environmentNames(loaded);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const env of envs) {
      const v = validateRepositoryEnv(loaded, env);
      let list = v.findings;
      if (!list.some((f) => f.severity === 'error')) {
        // The rendered resources are part of validation: schema, kinds, template overrides.
        try {
          await buildFromLoaded(loaded, env);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          list = [...list, ...e.problems.map((p) => ({ code: 'PB200', severity: 'error' as const, pos: p.pos, message: p.message, hint: p.hint ?? '' }))];
        }
      }
      for (const f of list) {
        // A finding in platform.yaml shows once, not once per environment.
        const key = `${f.code}|${f.pos?.file}:${f.pos?.line}:${f.pos?.column}|${f.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ ...f, env });
      }
    }
    const out = values.format === 'json' ? formatJson(findings) : values.format === 'github' ? formatGithub(findings) : formatHuman(findings, Boolean(io.stdout.isTTY));
    io.stdout.write(out);
    const errors = findings.filter((f) => f.severity === 'error').length;
    const warnings = findings.length - errors;
    if (values.format === 'human') io.stderr.write(`${envs.length} environment(s) checked: ${errors} error(s), ${warnings} warning(s)\n`);
    if (errors || (values.strict && warnings)) throw new FindingsError('');
  },
};
