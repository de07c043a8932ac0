import net from 'node:net';

/**
 * An IP address as the egress proxy reasons about it: the family, the 4 or 16 bytes, and the
 * canonical text `net.BlockList` is asked about. Textual tricks (`::ffff:7f00:1`, a zone id, upper
 * case) all end up as the same bytes, so no decision is ever taken on the raw string.
 */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  /** Dotted quad, or the full eight-group IPv6 form (no zone id). */
  text: string;
}

/** Parses an IPv4 or IPv6 literal (IPv6 brackets and zone id are dropped); undefined otherwise. */
export function parseIp(input: string): IpAddress | undefined {
  let text = input.trim();
  const bracketed = text.startsWith('[') && text.endsWith(']');
  if (bracketed) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0 && net.isIPv6(text)) text = text.slice(0, zone);
  if (!bracketed && net.isIPv4(text)) return ipv4(text.split('.').map(Number));
  if (!net.isIPv6(text)) return undefined;
  return ipv6(expandIpv6(text.toLowerCase()));
}

/**
 * The IPv4 address an IPv6 address carries and is delivered to, when it has one: IPv4-mapped
 * (`::ffff:0:0/96`), IPv4-compatible (`::/96`, except `::` and `::1`), NAT64 (`64:ff9b::/96`),
 * 6to4 (`2002::/16`) and Teredo (`2001::/32`, the client address, stored inverted). Such an
 * address reaches that IPv4 host, so it is judged as that IPv4 address.
 */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family === 4) return undefined;
  const b = address.bytes;
  const zeroUpTo = (end: number) => b.subarray(0, end).every((x) => x === 0);
  const last4 = () => ipv4([...b.subarray(12, 16)]);
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return last4();
  if (zeroUpTo(12)) {
    const low = (b[12] ?? 0) | (b[13] ?? 0) | (b[14] ?? 0);
    // `::` and `::1` are the IPv6 unspecified and loopback addresses, not IPv4-compatible ones.
    return low === 0 && (b[15] ?? 0) <= 1 ? undefined : last4();
  }
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => !x))
    return last4();
  if (b[0] === 0x20 && b[1] === 0x02) return ipv4([...b.subarray(2, 6)]);
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0)
    return ipv4([...b.subarray(12, 16)].map((x) => x ^ 0xff));
  return undefined;
}

/** A CIDR range such as `10.0.0.0/8` or `fd00::/8`; a bare address is a range of one. */
export interface IpRange {
  address: IpAddress;
  prefix: number;
}

/** Parses `address/prefix` (or a bare address); undefined when either part is malformed. */
export function parseCidr(input: string): IpRange | undefined {
  const [addressText, prefixText, extra] = input.trim().split('/');
  if (addressText === undefined || extra !== undefined) return undefined;
  const address = parseIp(addressText);
  if (!address) return undefined;
  const max = address.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix } : undefined;
}

/** Whether `range` holds exactly one address. */
export function isSingleAddress(range: IpRange): boolean {
  return range.prefix === (range.address.family === 4 ? 32 : 128);
}

function ipv4(parts: number[]): IpAddress {
  return { family: 4, bytes: Uint8Array.from(parts), text: parts.join('.') };
}

function ipv6(groups: number[]): IpAddress {
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return { family: 6, bytes, text: groups.map((g) => g.toString(16)).join(':') };
}

/** Eight 16-bit groups of an IPv6 literal already checked by `net.isIPv6` (no zone id). */
function expandIpv6(text: string): number[] {
  let body = text;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(body);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    body = `${body.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = body.split('::');
  const groups = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - before.length - after.length).fill(0);
  return [...before, ...fill, ...after];
}
