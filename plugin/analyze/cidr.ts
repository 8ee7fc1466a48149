// IPv4/IPv6 address and CIDR arithmetic for NetworkPolicy ipBlock and Istio
// ipBlocks. Addresses are held as bigint so both families share one code path.

export interface Cidr {
  family: 4 | 6;
  /** Network address with host bits cleared. */
  base: bigint;
  prefix: number;
}

export interface Address {
  family: 4 | 6;
  value: bigint;
}

export function parseIp(text: string): Address | undefined {
  const s = text.trim();
  if (s.includes(':')) {
    const v = parseIpv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

/**
 * 4 or 6 for an address written exactly as a CIDR in a policy must be: no surrounding spaces and
 * no IPv6 zone index ("fe80::1%eth0", which Node's net.isIP accepts and Kubernetes refuses); else 0.
 */
export function addressFamily(text: string): 0 | 4 | 6 {
  return text.trim() === text ? (parseIp(text)?.family ?? 0) : 0;
}

/**
 * Parse "a.b.c.d/n" or "x::y/n". A bare address is accepted as a host route
 * (/32 or /128) because Istio ipBlocks allow it. Host bits set in a CIDR are
 * masked off rather than rejected, which is how Go's net.ParseCIDR treats them.
 */
export function parseCidr(text: string): Cidr | undefined {
  const [addrText, prefixText, extra] = text.trim().split('/');
  if (addrText === undefined || extra !== undefined) return undefined;
  const addr = parseIp(addrText);
  if (!addr) return undefined;
  const bits = addr.family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  return { family: addr.family, base: addr.value & mask(bits, prefix), prefix };
}

export function cidrContains(cidr: Cidr, ip: Address): boolean {
  if (cidr.family !== ip.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  return (ip.value & mask(bits, cidr.prefix)) === cidr.base;
}

/** String convenience; unparseable input never matches. */
export function containsIp(cidrText: string, ipText: string): boolean {
  const c = parseCidr(cidrText);
  const a = parseIp(ipText);
  return !!c && !!a && cidrContains(c, a);
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Leading zeros are refused: Go (and therefore Kubernetes) rejects them since 1.17 as ambiguous octal.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones have no meaning in a policy
  let head = s;
  let tailV4: bigint | undefined;
  // Embedded IPv4 in the last 32 bits, e.g. ::ffff:10.0.0.1
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? '');
  const right = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}
