import { describe, expect, it } from 'vitest';
import { classifyAddress, createAddressPolicy } from './address-policy.ts';
import { parseIp } from './ip-address.ts';

const classOf = (text: string) => {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an address: ${text}`);
  return classifyAddress(ip);
};

describe('classifyAddress', () => {
  it('refuses every non-public IPv4 destination', () => {
    const cases: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '127.255.255.254': 'loopback',
      '0.0.0.0': 'unspecified',
      '0.1.2.3': 'unspecified',
      '169.254.1.1': 'link_local',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      '100.64.0.1': 'shared',
      '100.127.255.255': 'shared',
      '169.254.169.254': 'metadata',
      '169.254.170.2': 'metadata',
      '100.100.100.200': 'metadata',
      '224.0.0.1': 'multicast',
      '239.255.255.250': 'multicast',
      '255.255.255.255': 'broadcast',
      '240.0.0.1': 'reserved',
      '192.0.2.1': 'reserved',
    };
    for (const [address, kind] of Object.entries(cases)) expect(classOf(address), address).toBe(kind);
  });

  it('refuses every non-public IPv6 destination, and IPv4 ones in IPv6 clothing', () => {
    const cases: Record<string, string> = {
      '::1': 'loopback',
      '::': 'unspecified',
      'fe80::1': 'link_local',
      'fe80::1%eth0': 'link_local',
      'fc00::1': 'private',
      'fd12:3456::1': 'private',
      'fd00:ec2::254': 'metadata',
      'ff02::1': 'multicast',
      '2001:db8::1': 'reserved',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:7f00:1': 'loopback',
      '::ffff:169.254.169.254': 'metadata',
      '::ffff:10.0.0.1': 'private',
      '::127.0.0.1': 'loopback',
      '64:ff9b::127.0.0.1': 'loopback',
      '64:ff9b::a9fe:a9fe': 'metadata',
      '64:ff9b:1::1': 'private',
      '2002:7f00:1::': 'loopback',
      '2001:0:4136:e378:8000:63bf:80ff:fffe': 'loopback',
      '4000::1': 'reserved',
    };
    for (const [address, kind] of Object.entries(cases)) expect(classOf(address), address).toBe(kind);
  });

  it('lets public addresses through, also when carried in IPv6', () => {
    for (const address of [
      '1.1.1.1',
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '169.255.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ])
      expect(classOf(address), address).toBe('public');
  });
});

describe('createAddressPolicy', () => {
  it('refuses non-public addresses and anything that is not an address by default', () => {
    const policy = createAddressPolicy();
    expect(policy.check('93.184.216.34')).toEqual({ allowed: true, kind: 'public' });
    expect(policy.check('127.0.0.1')).toEqual({ allowed: false, kind: 'loopback' });
    expect(policy.check('::ffff:10.0.0.1')).toEqual({ allowed: false, kind: 'private' });
    expect(policy.check('localhost')).toEqual({ allowed: false, kind: 'invalid' });
  });

  it("allows the operator's ranges, judging IPv4 in IPv6 clothing as IPv4", () => {
    const policy = createAddressPolicy({ allowPrivateRanges: ['10.0.0.0/8', 'fd12::/16', '127.0.0.1'] });
    expect(policy.check('10.1.2.3')).toEqual({ allowed: true, kind: 'private' });
    expect(policy.check('::ffff:10.1.2.3')).toEqual({ allowed: true, kind: 'private' });
    expect(policy.check('fd12:3456::1')).toEqual({ allowed: true, kind: 'private' });
    expect(policy.check('127.0.0.1').allowed).toBe(true);
    expect(policy.check('127.0.0.2').allowed).toBe(false);
    expect(policy.check('192.168.0.1').allowed).toBe(false);
    expect(policy.check('fd13::1').allowed).toBe(false);
  });

  it('keeps metadata refused inside a wider allowed range, unless listed as a single address', () => {
    const wide = createAddressPolicy({ allowPrivateRanges: ['0.0.0.0/0', '::/0', '169.254.0.0/16'] });
    expect(wide.check('169.254.169.254')).toEqual({ allowed: false, kind: 'metadata' });
    expect(wide.check('::ffff:169.254.169.254')).toEqual({ allowed: false, kind: 'metadata' });
    expect(wide.check('fd00:ec2::254')).toEqual({ allowed: false, kind: 'metadata' });
    expect(wide.check('169.254.1.1').allowed).toBe(true);
    const exact = createAddressPolicy({ allowPrivateRanges: ['169.254.169.254/32', 'fd00:ec2::254'] });
    expect(exact.check('169.254.169.254').allowed).toBe(true);
    expect(exact.check('fd00:ec2:0::254').allowed).toBe(true);
    expect(exact.check('100.100.100.200').allowed).toBe(false);
  });

  it('throws on a malformed range, naming it', () => {
    expect(() => createAddressPolicy({ allowPrivateRanges: ['10.0.0.0/33'] })).toThrow(/"10.0.0.0\/33"/);
    expect(() => createAddressPolicy({ allowPrivateRanges: ['intranet'] })).toThrow(/not a CIDR range/);
  });
});
