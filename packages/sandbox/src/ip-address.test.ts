import { describe, expect, it } from 'vitest';
import { embeddedIpv4, parseCidr, parseIp } from './ip-address.ts';

const v4 = (text: string) => {
  const ip = parseIp(text);
  return ip ? embeddedIpv4(ip)?.text : 'unparsed';
};

describe('parseIp', () => {
  it('reads IPv4 and every IPv6 spelling into the same bytes', () => {
    expect(parseIp('10.1.2.3')).toMatchObject({ family: 4, text: '10.1.2.3' });
    expect(parseIp('::1')?.text).toBe('0:0:0:0:0:0:0:1');
    expect(parseIp('[::1]')?.text).toBe('0:0:0:0:0:0:0:1');
    expect(parseIp('0:0:0:0:0:0:0:1')?.text).toBe('0:0:0:0:0:0:0:1');
    expect(parseIp('FE80::1%eth0')?.text).toBe('fe80:0:0:0:0:0:0:1');
    expect(parseIp('::ffff:127.0.0.1')?.text).toBe('0:0:0:0:0:ffff:7f00:1');
    expect(parseIp('1::')?.text).toBe('1:0:0:0:0:0:0:0');
    expect([...(parseIp('2001:db8::8a2e:370:7334')?.bytes ?? [])].slice(-4)).toEqual([
      0x03, 0x70, 0x73, 0x34,
    ]);
  });

  it('refuses what is not an address literal', () => {
    for (const text of [
      'localhost',
      '1.2.3',
      '010.0.0.1',
      '256.0.0.1',
      '2130706433',
      '::1::',
      '',
      '[10.0.0.1]',
    ])
      expect(parseIp(text), text).toBeUndefined();
  });
});

describe('embeddedIpv4', () => {
  it('finds the IPv4 address that mapped, compatible, NAT64, 6to4 and Teredo forms lead to', () => {
    expect(v4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(v4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(v4('::127.0.0.1')).toBe('127.0.0.1');
    expect(v4('64:ff9b::10.1.2.3')).toBe('10.1.2.3');
    expect(v4('2002:a9fe:a9fe::1')).toBe('169.254.169.254');
    expect(v4('2001:0:4136:e378:8000:63bf:80ff:fffe')).toBe('127.0.0.1');
  });

  it('leaves plain IPv6, and the IPv6 loopback and unspecified addresses, alone', () => {
    expect(v4('::1')).toBeUndefined();
    expect(v4('::')).toBeUndefined();
    expect(v4('2606:4700::1')).toBeUndefined();
    expect(v4('64:ff9b:1::a00:1')).toBeUndefined();
    expect(v4('10.0.0.1')).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('reads ranges and single addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8, address: { text: '10.0.0.0' } });
    expect(parseCidr(' fd00::/8 ')).toMatchObject({ prefix: 8, address: { family: 6 } });
    expect(parseCidr('10.1.2.3')).toMatchObject({ prefix: 32 });
    expect(parseCidr('::1')).toMatchObject({ prefix: 128 });
  });

  it('refuses malformed ranges', () => {
    for (const text of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0/8',
      'intranet/8',
      '10.0.0.0/-1',
    ])
      expect(parseCidr(text), text).toBeUndefined();
  });
});
