// Test helpers: temporary repositories built inline, and the real CLI run in-process with buffers.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../plugin/cli/main.ts';

export const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PRACTICUS = join(PROJECT, 'examples', 'practicus');
/** The built executable as Argo CD runs it: the launcher, which becomes the single executable carrying the start-up snapshot. */
export const CLI = join(PROJECT, 'dist', 'policy-bundle');
/** The plain bundle the launcher falls back to. */
export const CLI_BUNDLE = join(PROJECT, 'dist', 'policy-bundle.mjs');

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temporary repository with these files (path → content); removed after the test file. */
export function tempRepo(files: Record<string, string>, base?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-test-'));
  made.push(dir);
  if (base) cpSync(base, dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run({
    argv,
    env: opts.env ?? {},
    cwd: opts.cwd ?? PROJECT,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** A minimal valid platform, for tests that change one thing. */
export const MINIMAL_PLATFORM = `apiVersion: policy-bundle.dev/v1alpha1
kind: Platform
metadata: {name: demo}
spec:
  modules:
    ml-jobs: {}
    model-serving: {}
  workloads:
    model-api:
      module: model-serving
      selector: {app: model-api}
      serviceAccount: model-api
      ports: [{name: http, port: 8080}]
    job-runner: {module: ml-jobs, selector: {app: job-runner}, serviceAccount: job-runner}
  flows:
    - name: predict
      from: {workload: job-runner}
      to:   {workload: model-api}
      ports: [http]
      http: {methods: [POST], paths: ["/v1/predict"]}
`;

/** MINIMAL_PLATFORM plus a flow to a CIDR with host bits set: valid, with warning PB132 at platform.yaml:23:12. */
export const WARNED_PLATFORM = `${MINIMAL_PLATFORM}    - name: vault
      from: {workload: job-runner}
      to: {cidr: 10.1.0.1/16}
      ports: [443]
`;
