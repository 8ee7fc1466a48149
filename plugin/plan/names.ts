// Generated resource names: readable, stable, one per (namespace, shape). Workload names that would
// collide with these are reserved (validate/semantic-checks.ts).

/** NetworkPolicy names: `allow-<workload>-ingress`, `allow-namespace-egress`, `allow-carve-outs`. */
export function policyName(what: 'ingress' | 'egress' | 'carve-outs', workload?: string): string {
  if (what === 'carve-outs') return 'allow-dns-istiod';
  return `allow-${workload ?? 'namespace'}-${what}`;
}

/** AuthorizationPolicy names: `allow-<workload>`, `allow-namespace`, `allow-nothing`. */
export function authorizationName(workload?: string): string {
  return `allow-${workload ?? 'namespace'}`;
}

export function plaintextExceptionName(workload: string): string {
  return `${workload}-plaintext-ports`;
}
