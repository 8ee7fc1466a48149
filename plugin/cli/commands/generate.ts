// generate: the CMP entry point (CMP-CONTRACT.md). The environment comes from the Application
// parameter `environment`, else ARGOCD_ENV_ENVIRONMENT; Istio API versions from KUBE_API_VERSIONS.
// The working directory is the app path inside Argo CD's copy of the repository.
import { UserError } from '../../errors.ts';
import { DEFAULT_LIMITS } from '../../load/limits.ts';
import { environmentNames, loadRepository } from '../../load/load.ts';
import { buildFromLoaded } from '../../pipeline.ts';
import { formatHuman } from '../../validate/format.ts';
import type { IstioVersions } from '../../validate/validate.ts';
import { parse } from '../args.ts';
import type { Command } from '../io.ts';

const usage = 'policy-bundle generate   (reads ARGOCD_APP_PARAMETERS, ARGOCD_ENV_ENVIRONMENT, KUBE_API_VERSIONS)';

/** ARGOCD_APP_PARAMETERS: JSON array of {name, string|array|map}; may be null or absent. */
export function environmentParameter(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'null') return undefined;
  let params: unknown;
  try {
    params = JSON.parse(raw);
  } catch {
    throw new UserError({ message: 'ARGOCD_APP_PARAMETERS is not valid JSON', hint: 'set the parameter in the Application: spec.source.plugin.parameters: [{name: environment, string: prod}]' });
  }
  if (params === null) return undefined;
  if (!Array.isArray(params)) throw new UserError({ message: 'ARGOCD_APP_PARAMETERS is not a JSON array', hint: 'Argo CD sends an array of {name, string} objects' });
  const p = params.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === 'environment') as { string?: unknown } | undefined;
  if (!p) return undefined;
  if (typeof p.string !== 'string') throw new UserError({ message: 'the parameter "environment" must be a string', hint: 'spec.source.plugin.parameters: [{name: environment, string: prod}]' });
  return p.string;
}

/** The Istio versions the cluster serves; a member is undefined when the group is not served. */
export function istioVersions(kubeApiVersions: string | undefined): IstioVersions {
  if (kubeApiVersions === undefined || kubeApiVersions.trim() === '') return { security: 'security.istio.io/v1', networking: 'networking.istio.io/v1' };
  const served = new Set(kubeApiVersions.split(',').map((s) => s.trim()));
  const pick = (group: string) => (served.has(`${group}/v1`) ? `${group}/v1` : served.has(`${group}/v1beta1`) ? `${group}/v1beta1` : undefined);
  return { security: pick('security.istio.io'), networking: pick('networking.istio.io') };
}

export const command: Command = {
  summary: 'Print the bundle for Argo CD: environment from the Application parameter "environment" or ARGOCD_ENV_ENVIRONMENT.',
  usage,
  async run(io, args) {
    parse(args, {}, usage);
    const fromParam = environmentParameter(io.env.ARGOCD_APP_PARAMETERS);
    const env = fromParam ?? io.env.ARGOCD_ENV_ENVIRONMENT;
    io.beforeReading?.(io.cwd);
    // Without source positions: the pipeline reads again with them if it has a finding to word.
    const loaded = loadRepository(io.cwd, DEFAULT_LIMITS, { positions: false });
    if (!env) {
      throw new UserError({
        message: 'no environment given',
        hint: `set the Application parameter "environment" (or plugin env ENVIRONMENT) to one of: ${environmentNames(loaded).join(', ')}`,
      });
    }
    const bundle = await buildFromLoaded(loaded, env, istioVersions(io.env.KUBE_API_VERSIONS));
    const warnings = bundle.findings.filter((f) => f.severity === 'warning');
    if (warnings.length) io.stderr.write(formatHuman(warnings, false));
    io.stdout.write(bundle.text);
  },
};
