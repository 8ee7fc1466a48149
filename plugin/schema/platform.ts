// kind: Platform — the environment-agnostic intent (SPEC.md). Types are inferred from here.
import { isIP } from 'node:net';
import { z } from 'zod';
import { dnsLabel, duration, httpMethod, istioPath, labelMap, port } from './kubernetes-names.ts';

export const API_VERSION = 'policy-bundle.dev/v1alpha1';

const cidr = z.string().refine((s) => {
  const [ip, bits, ...rest] = s.split('/');
  const fam = isIP(ip ?? '');
  const n = Number(bits);
  return rest.length === 0 && fam !== 0 && /^\d+$/.test(bits ?? '') && n <= (fam === 4 ? 32 : 128);
}, 'is not a CIDR such as 10.1.0.0/16 or fd00::/8');

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

/** A port by number, by a workload's port name, or a range "8000-8100". */
export const portRef = z.union([
  port,
  z
    .string()
    .regex(/^(\d{1,5}-\d{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/, 'must be a port number, a range such as 8000-8100, or a port name (IANA_SVC_NAME)')
    .refine((s) => !/^\d/.test(s) || s.split('-').every((n) => Number(n) >= 1 && Number(n) <= 65535), 'port range bounds must be 1-65535')
    .refine((s) => !/^\d+-\d+$/.test(s) || Number(s.split('-')[0]) < Number(s.split('-')[1]), 'a port range must go from low to high'),
]);

export const endpoint = z.union([
  z.strictObject({ module: dnsLabel }),
  z.strictObject({ workload: dnsLabel }),
  z.strictObject({ cidr, except: z.array(cidr).optional() }),
]);

export const flow = z.strictObject({
  /** optional: named flows can be patched or removed by an environment */
  name: dnsLabel.optional(),
  from: endpoint,
  to: endpoint,
  ports: z.array(portRef).min(1).optional(),
  protocol: protocol.default('TCP'),
  http: z
    .strictObject({
      methods: z.array(httpMethod).min(1).optional(),
      paths: z.array(istioPath).min(1).optional(),
    })
    .optional(),
});

export const module = z.strictObject({
  /** the namespace; defaults to the module's key */
  namespace: dnsLabel.optional(),
  /** labels the namespace carries (emitted on managed Namespaces) */
  labels: labelMap.optional(),
  /**
   * how NetworkPolicies select this namespace: by its name (the label kubernetes.io/metadata.name,
   * set by Kubernetes itself) or by `labels` (for namespaces labelled by another process)
   */
  selectBy: z.enum(['name', 'labels']).default('name'),
}).refine((m) => m.selectBy !== 'labels' || Object.keys(m.labels ?? {}).length > 0, { message: 'selectBy: labels needs at least one label under labels', path: ['selectBy'] });

export const workloadPort = z.strictObject({
  name: z.string().max(15, 'port names are at most 15 characters (IANA_SVC_NAME)').regex(/^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be an IANA_SVC_NAME: lower-case letters, digits and single "-", with at least one letter'),
  port,
  protocol: protocol.default('TCP'),
});

export const workload = z.strictObject({
  module: dnsLabel,
  selector: labelMap.refine((m) => Object.keys(m).length > 0, 'must select pods by at least one label'),
  serviceAccount: dnsLabel.optional(),
  ports: z.array(workloadPort).optional(),
  /** false when the pods have no Istio sidecar: no L7 rules, plaintext */
  mesh: z.boolean().default(true),
});

export const httpRoute = z.strictObject({
  name: dnsLabel,
  match: z
    .strictObject({
      prefix: istioPath.optional(),
      exact: istioPath.optional(),
      methods: z.array(httpMethod).optional(),
    })
    .optional(),
  /** subset name → percent; must sum to 100 */
  weights: z.record(dnsLabel, z.number().int().min(0).max(100)),
  timeout: duration.optional(),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).max(100),
      perTryTimeout: duration.optional(),
      retryOn: z.string().regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/).optional(),
    })
    .optional(),
});

export const route = z.strictObject({
  /** the Kubernetes Service name; defaults to the workload's key */
  service: dnsLabel.optional(),
  subsets: z.record(dnsLabel, labelMap),
  http: z.array(httpRoute).default([]),
  /** the subset that requests matching no http route go to; without it, the whole service */
  defaultSubset: dnsLabel.optional(),
});

/** Metrics scrapers, declared once: they may reach these ports on every workload of the platform. */
export const monitoring = z.strictObject({
  from: z.union([z.strictObject({ module: dnsLabel }), z.strictObject({ workload: dnsLabel })]),
  ports: z.array(portRef).min(1),
  /** limit scraping to these modules; default: every module */
  modules: z.array(dnsLabel).optional(),
  paths: z.array(istioPath).optional(),
});

export const platformSpec = z.strictObject({
  trustDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS name such as cluster.local').default('cluster.local'),
  clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).default('cluster.local'),
  modules: z.record(dnsLabel, module.nullable().transform((m) => m ?? { selectBy: 'name' as const })),
  workloads: z.record(dnsLabel, workload).default({}),
  flows: z.array(flow).default([]),
  routes: z.record(dnsLabel, route).default({}),
  monitoring: monitoring.optional(),
});

export const platformDoc = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Platform'),
  metadata: z.strictObject({ name: dnsLabel }),
  spec: platformSpec,
});

export type PlatformDoc = z.infer<typeof platformDoc>;
export type PlatformSpec = z.infer<typeof platformSpec>;
export type Endpoint = z.infer<typeof endpoint>;
export type Flow = z.infer<typeof flow>;
export type Workload = z.infer<typeof workload>;
export type Module = z.infer<typeof module>;
export type Route = z.infer<typeof route>;
export type HttpRoute = z.infer<typeof httpRoute>;
export type PortRef = z.infer<typeof portRef>;
export type Protocol = z.infer<typeof protocol>;
export type Monitoring = z.infer<typeof monitoring>;
