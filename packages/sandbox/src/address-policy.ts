import net from 'node:net';
import { embeddedIpv4, type IpAddress, isSingleAddress, parseCidr, parseIp } from './ip-address.ts';

/** What kind of destination an address is; everything but `public` is refused by default. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'link_local'
  | 'private'
  | 'shared'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

type Table = Array<[AddressClass, Array<[string, number]>]>;

/** Most specific first: a metadata address is also link-local, and 255.255.255.255 is also in 240/4. */
const IPV4: Table = [
  [
    'metadata',
    [
      ['169.254.169.254', 32], // AWS, GCP, Azure, OCI instance metadata
      ['169.254.170.2', 32], // AWS ECS task credentials
      ['169.254.170.23', 32], // AWS EKS pod identity
      ['100.100.100.200', 32], // Alibaba Cloud
    ],
  ],
  ['broadcast', [['255.255.255.255', 32]]],
  ['unspecified', [['0.0.0.0', 8]]],
  ['loopback', [['127.0.0.0', 8]]],
  [
    'private',
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
  ],
  ['link_local', [['169.254.0.0', 16]]],
  ['shared', [['100.64.0.0', 10]]],
  ['multicast', [['224.0.0.0', 4]]],
  [
    'reserved',
    [
      ['240.0.0.0', 4],
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // documentation
      ['198.18.0.0', 15], // benchmarking
      ['198.51.100.0', 24], // documentation
      ['203.0.113.0', 24], // documentation
    ],
  ],
];

const IPV6: Table = [
  [
    'metadata',
    [
      ['fd00:ec2::254', 128], // AWS instance metadata over IPv6
      ['fd00:ec2::23', 128], // AWS EKS pod identity over IPv6
    ],
  ],
  ['unspecified', [['::', 128]]],
  ['loopback', [['::1', 128]]],
  ['link_local', [['fe80::', 10]]],
  [
    'private',
    [
      ['fc00::', 7], // unique local
      ['fec0::', 10], // deprecated site-local
      ['64:ff9b:1::', 48], // local-use NAT64
    ],
  ],
  ['multicast', [['ff00::', 8]]],
  [
    'reserved',
    [
      ['2001:db8::', 32], // documentation
      ['2001:2::', 48], // benchmarking
      ['100::', 64], // discard-only
    ],
  ],
];

const GLOBAL_UNICAST_V6 = blockList([['2000::', 3]], 'ipv6');

function blockList(ranges: Array<[string, number]>, type: 'ipv4' | 'ipv6'): net.BlockList {
  const list = new net.BlockList();
  for (const [address, prefix] of ranges) list.addSubnet(address, prefix, type);
  return list;
}

const compile = (table: Table, type: 'ipv4' | 'ipv6') =>
  table.map(([kind, ranges]) => [kind, blockList(ranges, type)] as const);
const CLASSES = { 4: compile(IPV4, 'ipv4'), 6: compile(IPV6, 'ipv6') };

/**
 * Classifies an address by where it leads. An IPv6 address that carries an IPv4 address
 * (`::ffff:127.0.0.1`, NAT64, 6to4, Teredo) is classified as that IPv4 address, since that is
 * where packets go; IPv6 outside global unicast (`2000::/3`) is `reserved`.
 */
export function classifyAddress(address: IpAddress): AddressClass {
  const judged = embeddedIpv4(address) ?? address;
  const type = judged.family === 4 ? 'ipv4' : 'ipv6';
  // Each family has its own lists: BlockList lets an IPv4 rule match `::ffff:` forms and the reverse.
  for (const [kind, list] of CLASSES[judged.family]) if (list.check(judged.text, type)) return kind;
  if (judged.family === 6 && !GLOBAL_UNICAST_V6.check(judged.text, 'ipv6')) return 'reserved';
  return 'public';
}

/** Plain words for a refused class, for the refusal the sandbox sees. */
export function describeAddressClass(kind: AddressClass | 'invalid'): string {
  const words: Record<AddressClass | 'invalid', string> = {
    public: 'a public address',
    loopback: 'a loopback address',
    unspecified: 'an unspecified address',
    link_local: 'a link-local address',
    private: 'a private network address',
    shared: 'a carrier-grade NAT address',
    metadata: 'a cloud metadata address',
    multicast: 'a multicast address',
    broadcast: 'the broadcast address',
    reserved: 'a reserved address',
    invalid: 'something that is not an IP address',
  };
  return words[kind];
}

/** The verdict on one resolved address; `kind` says why when it is refused. */
export type AddressVerdict =
  | { allowed: true; kind: AddressClass }
  | { allowed: false; kind: Exclude<AddressClass, 'public'> | 'invalid' };

/** Decides which resolved addresses the egress proxy may connect to. */
export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

/** Options of {@link createAddressPolicy}. */
export interface AddressPolicyOptions {
  /**
   * CIDR ranges (or single addresses) the operator lets sandboxes reach although they are not
   * public, e.g. an internal registry at `10.0.0.0/8`. A cloud metadata address is only allowed
   * when it is listed as a single address (`169.254.169.254/32`), never through a wider range.
   */
  allowPrivateRanges?: readonly string[];
}

/**
 * Builds the address policy: public addresses pass, everything else only inside an operator's
 * range. Throws on a malformed range, so a bad setting stops the server at start.
 */
export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = { 4: new net.BlockList(), 6: new net.BlockList() };
  const exact = new Set<string>();
  for (const text of options.allowPrivateRanges ?? []) {
    const range = parseCidr(text);
    if (!range) {
      throw new Error(
        `egress: ${JSON.stringify(text)} is not a CIDR range such as 10.0.0.0/8, fd00::/8 or 10.1.2.3`,
      );
    }
    const { family, text: address } = range.address;
    allowed[family].addSubnet(address, range.prefix, family === 4 ? 'ipv4' : 'ipv6');
    if (isSingleAddress(range)) exact.add(address);
  }
  return {
    check(text) {
      const parsed = parseIp(text);
      if (!parsed) return { allowed: false, kind: 'invalid' };
      const kind = classifyAddress(parsed);
      if (kind === 'public') return { allowed: true, kind };
      const judged = embeddedIpv4(parsed) ?? parsed;
      const listed =
        kind === 'metadata'
          ? exact.has(judged.text)
          : allowed[judged.family].check(judged.text, judged.family === 4 ? 'ipv4' : 'ipv6');
      return listed ? { allowed: true, kind } : { allowed: false, kind };
    },
  };
}
