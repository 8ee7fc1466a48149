// kind: Platform — the environment-agnostic intent (SPEC.md). Types are inferred from here.
import * as z from 'zod/mini';
import { addressFamily } from '../analyze/cidr.ts';
import { dnsLabel, duration, httpMethod, istioPath, labelMap, port } from './kubernetes-names.ts';

export const API_VERSION = 'policy-bundle.dev/v1alpha1';

const cidr = z.string().check(
  z.refine((s) => {
    const [ip, bits, ...rest] = s.split('/');
    const fam = addressFamily(ip ?? '');
    const n = Number(bits);
    return rest.length === 0 && fam !== 0 && /^\d+$/.test(bits ?? '') && n <= (fam === 4 ? 32 : 128);
  }, 'is not a CIDR such as 10.1.0.0/16 or fd00::/8'),
);

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

/** A port by number, by a workload's port name, or a range "8000-8100". */
export const portRef = z.union([
  port,
  z.string().check(
    z.regex(/^(\d{1,5}-\d{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/, 'must be a port number, a range such as 8000-8100, or a port name (IANA_SVC_NAME)'),
    z.refine((s) => !/^\d/.test(s) || s.split('-').every((n) => Number(n) >= 1 && Number(n) <= 65535), 'port range bounds must be 1-65535'),
    z.refine((s) => !/^\d+-\d+$/.test(s) || Number(s.split('-')[0]) < Number(s.split('-')[1]), 'a port range must go from low to high'),
  ),
]);

export const endpoint = z.union([
  z.strictObject({ module: dnsLabel }),
  z.strictObject({ workload: dnsLabel }),
  z.strictObject({ cidr, except: z.optional(z.array(cidr)) }),
]);

export const flow = z.strictObject({
  /** optional: named flows can be patched or removed by an environment */
  name: z.optional(dnsLabel),
  from: endpoint,
  to: endpoint,
  ports: z.optional(z.array(portRef).check(z.minLength(1))),
  protocol: z._default(protocol, 'TCP'),
  http: z.optional(
    z.strictObject({
      methods: z.optional(z.array(httpMethod).check(z.minLength(1))),
      paths: z.optional(z.array(istioPath).check(z.minLength(1))),
    }),
  ),
});

export const module = z.strictObject({
  /** the namespace; defaults to the module's key */
  namespace: z.optional(dnsLabel),
  /** labels the namespace carries (emitted on managed Namespaces) */
  labels: z.optional(labelMap),
  /**
   * how NetworkPolicies select this namespace: by its name (the label kubernetes.io/metadata.name,
   * set by Kubernetes itself) or by `labels` (for namespaces labelled by another process)
   */
  selectBy: z._default(z.enum(['name', 'labels']), 'name'),
}).check(z.refine((m) => m.selectBy !== 'labels' || Object.keys(m.labels ?? {}).length > 0, { message: 'selectBy: labels needs at least one label under labels', path: ['selectBy'] }));

export const workloadPort = z.strictObject({
  name: z.string().check(
    z.maxLength(15, 'port names are at most 15 characters (IANA_SVC_NAME)'),
    z.regex(/^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be an IANA_SVC_NAME: lower-case letters, digits and single "-", with at least one letter'),
  ),
  port,
  protocol: z._default(protocol, 'TCP'),
});

export const workload = z.strictObject({
  module: dnsLabel,
  selector: labelMap.check(z.refine((m) => Object.keys(m).length > 0, 'must select pods by at least one label')),
  serviceAccount: z.optional(dnsLabel),
  ports: z.optional(z.array(workloadPort)),
  /** false when the pods have no Istio sidecar: no L7 rules, plaintext */
  mesh: z._default(z.boolean(), true),
});

export const httpRoute = z.strictObject({
  name: dnsLabel,
  match: z.optional(
    z.strictObject({
      prefix: z.optional(istioPath),
      exact: z.optional(istioPath),
      methods: z.optional(z.array(httpMethod)),
    }),
  ),
  /** subset name → percent; must sum to 100 */
  weights: z.record(dnsLabel, z.number().check(z.int(), z.gte(0), z.lte(100))),
  timeout: z.optional(duration),
  retries: z.optional(
    z.strictObject({
      attempts: z.number().check(z.int(), z.gte(0), z.lte(100)),
      perTryTimeout: z.optional(duration),
      retryOn: z.optional(z.string().check(z.regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/))),
    }),
  ),
});

export const route = z.strictObject({
  /** the Kubernetes Service name; defaults to the workload's key */
  service: z.optional(dnsLabel),
  subsets: z.record(dnsLabel, labelMap),
  http: z._default(z.array(httpRoute), []),
  /** the subset that requests matching no http route go to; without it, the whole service */
  defaultSubset: z.optional(dnsLabel),
});

/** Metrics scrapers, declared once: they may reach these ports on every workload of the platform. */
export const monitoring = z.strictObject({
  from: z.union([z.strictObject({ module: dnsLabel }), z.strictObject({ workload: dnsLabel })]),
  ports: z.array(portRef).check(z.minLength(1)),
  /** limit scraping to these modules; default: every module */
  modules: z.optional(z.array(dnsLabel)),
  paths: z.optional(z.array(istioPath)),
});

export const platformSpec = z.strictObject({
  trustDomain: z._default(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS name such as cluster.local')), 'cluster.local'),
  clusterDomain: z._default(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)), 'cluster.local'),
  modules: z.record(dnsLabel, z.pipe(z.nullable(module), z.transform((m) => m ?? { selectBy: 'name' as const }))),
  workloads: z._default(z.record(dnsLabel, workload), {}),
  flows: z._default(z.array(flow), []),
  routes: z._default(z.record(dnsLabel, route), {}),
  monitoring: z.optional(monitoring),
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
