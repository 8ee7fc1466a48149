// CIDR helpers for validation: host bits, canonical form (RFC 5952 for IPv6), strict containment.
import { parseIp } from '../analyze/cidr.ts';

export interface ParsedCidr {
  family: 4 | 6;
  /** network address, host bits cleared */
  base: bigint;
  prefix: number;
  /** the text had bits set beyond the prefix */
  hostBits: boolean;
}

const width = (family: 4 | 6) => (family === 4 ? 32 : 128);

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

export function parseCidrText(text: string): ParsedCidr | undefined {
  const [addr, bits, ...rest] = text.split('/');
  if (rest.length || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const prefix = Number(bits);
  if (prefix > width(ip.family)) return undefined;
  const base = ip.value & mask(width(ip.family), prefix);
  return { family: ip.family, base, prefix, hostBits: base !== ip.value };
}

export function formatAddress(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2, first on ties) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "10.1.0.1/16" → "10.1.0.0/16"; undefined when the text is no CIDR. */
export function canonicalCidr(text: string): string | undefined {
  const c = parseCidrText(text);
  return c && `${formatAddress(c.family, c.base)}/${c.prefix}`;
}

/** `inner` is a strictly smaller block inside `outer` (Kubernetes' rule for ipBlock.except). */
export function cidrStrictlyInside(inner: ParsedCidr, outer: ParsedCidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  return (inner.base & mask(width(outer.family), outer.prefix)) === outer.base;
}
