// kind: Environment — an overlay: the baseline's policy knobs and a patch over the platform.
import * as z from 'zod/mini';
import { API_VERSION } from './platform.ts';
import { dnsLabel } from './kubernetes-names.ts';

const wave = z.number().check(z.int(), z.gte(-1000), z.lte(1000));

/** One factory for both shapes: the resolved policy (every knob set) and an overlay (any subset). */
function policyShape<T extends boolean>(complete: T) {
  const o = <S extends z.ZodMiniType>(s: S) => (complete ? s : z.optional(s)) as T extends true ? S : z.ZodMiniOptional<S>;
  return z.strictObject({
    /** which directions are default-deny in every managed namespace */
    defaultDeny: o(z.strictObject({ ingress: o(z.boolean()), egress: o(z.boolean()) })),
    /** namespace-wide mTLS mode */
    mtls: o(z.enum(['STRICT', 'PERMISSIVE'])),
    /** L7 AuthorizationPolicies: enforced, dry-run (audit only), or not rendered */
    authorization: o(z.enum(['enforce', 'dry-run', 'off'])),
    /** an allow-nothing AuthorizationPolicy per namespace */
    allowNothing: o(z.boolean()),
    /** false: render no Istio resources at all (clusters without Istio) */
    mesh: o(z.boolean()),
    /** the traffic a strict namespace needs to work at all (NOTES.md) */
    carveOuts: o(z.strictObject({ dns: o(z.boolean()), istiod: o(z.boolean()), monitoring: o(z.boolean()) })),
    /** emit the platform's Namespaces (with their labels) */
    manageNamespaces: o(z.boolean()),
    syncWaves: o(
      z.strictObject({
        namespace: o(wave),
        allowNetworkPolicy: o(wave),
        denyNetworkPolicy: o(wave),
        peerAuthentication: o(wave),
        authorizationPolicy: o(wave),
        destinationRule: o(wave),
        virtualService: o(wave),
      }),
    ),
  });
}

export const policy = policyShape(true);
export const policyOverlay = policyShape(false);

export const environmentDoc = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Environment'),
  metadata: z.strictObject({ name: dnsLabel }),
  spec: z._default(
    z.strictObject({
      extends: z.optional(dnsLabel),
      policy: z.optional(policyOverlay),
      /** a patch over platform.yaml's spec, merged by the rules of docs/environments.md */
      platform: z.optional(z.record(z.string(), z.unknown())),
    }),
    {},
  ),
});

export type Policy = z.infer<typeof policy>;
export type PolicyOverlay = z.infer<typeof policyOverlay>;
export type EnvironmentDoc = z.infer<typeof environmentDoc>;
