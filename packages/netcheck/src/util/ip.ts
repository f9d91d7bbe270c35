import { isIP } from 'node:net';

/** Where an address lives: anything but `public` is not routable on the internet. */
export type AddressScope =
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'documentation'
  | 'multicast'
  | 'unspecified'
  | 'public';

/** An address with its family and scope, as probes report it. */
export interface ClassifiedAddress {
  address: string;
  family: 4 | 6;
  scope: AddressScope;
  /** `true` for every scope except `public`: reachable only inside a network. */
  private: boolean;
}

/** Inclusive IPv4 interval as unsigned 32-bit numbers. */
export interface Ipv4Range {
  start: number;
  end: number;
}

export interface Ipv4Cidr extends Ipv4Range {
  cidr: string;
  prefix: number;
}

export const IPV4_MAX = 0xffffffff;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function parseCidr4(text: string | undefined): Ipv4Cidr | undefined {
  if (!text) return undefined;
  const [addr, bits] = text.split('/');
  const base = addr === undefined ? undefined : parseIpv4(addr);
  const prefix = bits === undefined ? 32 : Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return undefined;
  }
  const size = 2 ** (32 - prefix);
  const start = Math.floor(base / size) * size;
  return { cidr: text, prefix, start, end: start + size - 1 };
}

export function rangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function formatRange(range: Ipv4Range): string {
  if (range.start === range.end) return `${formatIpv4(range.start)}/32`;
  const size = range.end - range.start + 1;
  const prefix = 32 - Math.log2(size);
  if (Number.isInteger(prefix) && range.start % size === 0) {
    return `${formatIpv4(range.start)}/${prefix}`;
  }
  return `${formatIpv4(range.start)}-${formatIpv4(range.end)}`;
}

// Non-public IPv4 blocks (RFC 6890 and friends), each with the scope we report.
const V4_SPECIAL: ReadonlyArray<readonly [string, AddressScope]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'private'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/3', 'multicast'],
];
const V4_SPECIAL_RANGES = V4_SPECIAL.map(([cidr, scope]) => ({ ...parseCidr4(cidr)!, scope }));

/** The IPv4 space outside every special-purpose block: where a public AWS endpoint lives. */
export const PUBLIC_IPV4_RANGES: readonly Ipv4Range[] = (() => {
  const sorted = [...V4_SPECIAL_RANGES].sort((a, b) => a.start - b.start);
  const out: Ipv4Range[] = [];
  let next = 0;
  for (const block of sorted) {
    if (block.start > next) out.push({ start: next, end: block.start - 1 });
    next = Math.max(next, block.end + 1);
  }
  if (next <= IPV4_MAX) out.push({ start: next, end: IPV4_MAX });
  return out;
})();

function scopeOfIpv4(value: number): AddressScope {
  for (const block of V4_SPECIAL_RANGES) {
    if (value >= block.start && value <= block.end) return block.scope;
  }
  return 'public';
}

function scopeOfIpv6(address: string): AddressScope {
  const lower = address.toLowerCase().split('%')[0] ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped?.[1]) {
    const v4 = parseIpv4(mapped[1]);
    if (v4 !== undefined) return scopeOfIpv4(v4);
  }
  if (lower === '::1') return 'loopback';
  if (lower === '::') return 'unspecified';
  const first = Number.parseInt(lower.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'unique-local';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (lower.startsWith('2001:db8:') || lower === '2001:db8::') return 'documentation';
  return 'public';
}

/**
 * Classifies an IP address: RFC 1918, 100.64/10, 169.254/16, loopback, fc00::/7, fe80::/10
 * and the documentation blocks are not public.
 * @example classifyAddress('10.0.1.23') // { address: '10.0.1.23', family: 4, scope: 'private', private: true }
 */
export function classifyAddress(address: string): ClassifiedAddress {
  const family = isIP(address);
  if (family === 4) {
    const scope = scopeOfIpv4(parseIpv4(address)!);
    return { address, family: 4, scope, private: scope !== 'public' };
  }
  if (family === 6) {
    const scope = scopeOfIpv6(address);
    return { address, family: 6, scope, private: scope !== 'public' };
  }
  throw new TypeError(`classifyAddress: not an IP address: ${JSON.stringify(address)}`);
}
