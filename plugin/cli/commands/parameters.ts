// parameters: the dynamic parameter announcements for Argo CD's UI. Runs with the reduced
// environment of parameter announcement (no revision, no KUBE_*), so it only lists file names.
import { builtinEnvironmentNames } from '../../load/load.ts';
import { DEFAULT_LIMITS } from '../../load/limits.ts';
import { openRepository } from '../../load/repository.ts';
import { dnsLabel } from '../../schema/kubernetes-names.ts';
import { parse } from '../args.ts';
import type { Command } from '../io.ts';
import { resolveDir } from './render.ts';

const usage = 'policy-bundle parameters [--dir <repository>]';

export function environmentChoices(dir: string): string[] {
  const repo = openRepository(dir, DEFAULT_LIMITS);
  const own = repo
    .list('environments', '.yaml')
    .map((f) => f.slice(0, -5))
    .filter((n) => dnsLabel.safeParse(n).success);
  return [...new Set([...own, ...builtinEnvironmentNames()])].sort();
}

export const command: Command = {
  summary: "Print the CMP's dynamic parameter announcements (a JSON array) for the repository in the working directory.",
  usage,
  async run(io, args) {
    const { values } = parse(args, { dir: { type: 'string', default: '.' } }, usage);
    const envs = environmentChoices(resolveDir(io.cwd, values.dir!));
    // plugin.yaml announces `environment` statically, and Argo CD lets a static announcement
    // win over a dynamic one of the same name; so the repository's choices come as their own,
    // read-only list that the UI shows next to it. generate ignores this parameter.
    const announcements = [
      {
        name: 'environments',
        title: 'Environments of this repository (for reference; set "environment" to one of them)',
        tooltip: `Set the parameter "environment" to one of: ${envs.join(', ')}`,
        collectionType: 'array',
        itemType: 'string',
        array: envs,
      },
    ];
    io.stdout.write(JSON.stringify(announcements) + '\n');
  },
};
