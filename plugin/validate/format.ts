// How findings are shown: `file:line:col: error CODE message` + hint (human), JSON, or GitHub
// workflow annotations.
import { sanitize, type Problem } from '../errors.ts';
import type { Finding } from './finding.ts';

export function findingToProblem(f: Finding): Problem {
  return { pos: f.pos, message: `${f.severity} ${f.code} ${f.message}`, hint: f.hint };
}

export function formatHuman(findings: Finding[], color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return findings
    .map((f) => {
      const where = f.pos ? `${sanitize(f.pos.file, 300)}:${f.pos.line}:${f.pos.column}: ` : '';
      const sev = f.severity === 'error' ? paint('31', 'error') : paint('33', 'warning');
      const env = f.env ? ` [${f.env}]` : '';
      return `${where}${sev} ${f.code} ${sanitize(f.message)}${env}\n  hint: ${sanitize(f.hint)}\n`;
    })
    .join('');
}

export function formatJson(findings: Finding[]): string {
  return (
    JSON.stringify(
      findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        file: f.pos?.file ?? null,
        line: f.pos?.line ?? null,
        column: f.pos?.column ?? null,
        message: f.message,
        hint: f.hint,
        ...(f.env ? { environment: f.env } : {}),
      })),
      null,
      2,
    ) + '\n'
  );
}

/** GitHub workflow commands: data escapes %, CR, LF; properties also : and , */
const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(findings: Finding[]): string {
  return findings
    .map((f) => {
      const props = [
        ...(f.pos ? [`file=${escProp(f.pos.file)}`, `line=${f.pos.line}`, `col=${f.pos.column}`] : []),
        `title=${escProp(f.code)}`,
      ].join(',');
      return `::${f.severity === 'error' ? 'error' : 'warning'} ${props}::${esc(`${f.message} (hint: ${f.hint})`)}\n`;
    })
    .join('');
}
