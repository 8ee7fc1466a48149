// render --env E [--dir D]: the bundle of one environment, for a person or a CI job.
import { formatHuman } from '../../validate/format.ts';
import { buildBundle } from '../../pipeline.ts';
import { UserError } from '../../errors.ts';
import { parse } from '../args.ts';
import type { Command } from '../io.ts';

const usage = 'policy-bundle render --env <environment> [--dir <repository>] [--istio-version v1|v1beta1]';

export const command: Command = {
  summary: 'Print the policy bundle of one environment (nothing on stdout unless the whole bundle is valid).',
  usage,
  async run(io, args) {
    const { values } = parse(args, { env: { type: 'string' }, dir: { type: 'string', default: '.' }, 'istio-version': { type: 'string', default: 'v1' } }, usage);
    if (!values.env) throw new UserError({ message: 'missing --env', hint: `usage: ${usage}` });
    const v = values['istio-version'];
    if (v !== 'v1' && v !== 'v1beta1') throw new UserError({ message: `--istio-version must be v1 or v1beta1, not ${v}`, hint: `usage: ${usage}` });
    const dir = resolveDir(io.cwd, values.dir!);
    io.beforeReading?.(dir);
    const bundle = await buildBundle({
      dir,
      env: values.env,
      istio: { security: `security.istio.io/${v}`, networking: `networking.istio.io/${v}` },
    });
    const warnings = bundle.findings.filter((f) => f.severity === 'warning');
    if (warnings.length) io.stderr.write(formatHuman(warnings, Boolean(io.stderr.isTTY)));
    io.stdout.write(bundle.text);
  },
};

export function resolveDir(cwd: string, dir: string): string {
  return dir.startsWith('/') ? dir : `${cwd}/${dir}`;
}
