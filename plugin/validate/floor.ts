// The prod floor (SPEC.md): anything built on the prod baseline may tighten it, never loosen it.
import type { SourcePos } from '../errors.ts';
import type { Policy } from '../schema/environment.ts';
import type { FindingList } from './finding.ts';

export function checkFloor(p: Policy, pos: (path: string[]) => SourcePos, f: FindingList): void {
  const loosen = (path: string[], what: string, fix: string) =>
    f.error('PB010', pos(path), `below the prod floor: ${what}`, `${fix}; an environment that extends prod may only tighten it`);
  if (p.mtls !== 'STRICT') loosen(['mtls'], `mTLS ${p.mtls}`, 'set policy.mtls: STRICT');
  if (!p.defaultDeny.ingress) loosen(['defaultDeny', 'ingress'], 'no default-deny ingress', 'set policy.defaultDeny.ingress: true');
  if (!p.defaultDeny.egress) loosen(['defaultDeny', 'egress'], 'no default-deny egress', 'set policy.defaultDeny.egress: true');
  if (p.authorization !== 'enforce') loosen(['authorization'], `authorization ${p.authorization}`, 'set policy.authorization: enforce');
  if (!p.allowNothing) loosen(['allowNothing'], 'no allow-nothing AuthorizationPolicy', 'set policy.allowNothing: true');
  if (!p.mesh) loosen(['mesh'], 'mesh rules turned off', 'set policy.mesh: true (prod needs Istio; use another baseline for clusters without it)');
}
