// Kubernetes and Istio value grammars, checked where the intent is read so a bad value is reported
// at its own line instead of being rejected by the API server at sync time.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini, not zod's classic API: the same parser, checks and issues, without the classic API's
// chainable classes (a fifth of the bundle: ~250 KB of code that every call deserialises from the
// start-up snapshot, or compiles without it: docs/performance.md). Mini loads no locale by itself.
z.config(en());
// Each schema is used once per run: zod's JIT would compile code it then runs once (measured:
// validate 53 → 43 ms on examples/practicus). Set before the first parse, for every schema.
z.config({ jitless: true });

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const HTTP_METHOD = /^[A-Z]+$/;

export const dnsLabel = z.string().check(
  z.maxLength(63, 'must be at most 63 characters (a DNS-1123 label)'),
  z.regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit'),
);

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(v: string): boolean {
  return v === '' || (v.length <= 63 && LABEL_NAME.test(v));
}

export const labelMap = z.record(
  z.string().check(z.refine(isLabelKey, 'is not a valid label key (optional DNS prefix + "/" + name of at most 63 characters of [A-Za-z0-9-_.])')),
  z.string().check(z.refine(isLabelValue, 'is not a valid label value (at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric)')),
);

/** Istio path patterns: exact, or one "*" as the whole prefix or suffix. */
export const istioPath = z.string().check(
  z.maxLength(1024),
  z.refine((p) => p === '*' || (/^[\x21-\x7e]+$/.test(p) && !p.slice(1, -1).includes('*')), 'is not an Istio path pattern: "*" may only stand at the start or the end, and no spaces or control characters'),
  z.refine((p) => p === '*' || p.startsWith('/') || p.startsWith('*'), 'must start with "/" (or "*" for a suffix match)'),
);

export const httpMethod = z.string().check(z.regex(HTTP_METHOD, 'must be an upper-case HTTP method such as GET or POST'));

export const port = z.number().check(z.int(), z.gte(1, 'ports are 1-65535'), z.lte(65535, 'ports are 1-65535'));

/** Go-style durations as Istio accepts them: "5s", "250ms", "1m30s". */
export const duration = z.string().check(z.regex(/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/, 'must be a duration such as 5s or 250ms'));

export function durationMs(d: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}
