import { describe, expect, it } from 'vitest';
import { createHostAllowlist, parseAllowlistEntry } from './host-allowlist.ts';

describe('host allowlist', () => {
  const list = createHostAllowlist(['registry.npmjs.org', '*.github.com', 'LOCALHOST', '::1']);

  it('matches exact names case-insensitively, with a trailing dot, and IP literals in any spelling', () => {
    expect(list.match('registry.npmjs.org', 443)).toBe('allowed');
    expect(list.match('Registry.NPMJS.org.', 443)).toBe('allowed');
    expect(list.match('localhost', 80)).toBe('allowed');
    expect(list.match('[::1]', 443)).toBe('allowed');
    expect(list.match('0:0::1', 443)).toBe('allowed');
  });

  it('matches wildcards on sub-domains only', () => {
    expect(list.match('api.github.com', 443)).toBe('allowed');
    expect(list.match('a.b.github.com', 443)).toBe('allowed');
    expect(list.match('github.com', 443)).toBe('not_allowlisted');
    expect(list.match('evilgithub.com', 443)).toBe('not_allowlisted');
  });

  it('rejects everything else', () => {
    expect(list.match('npmjs.org', 443)).toBe('not_allowlisted');
    expect(list.match('registry.npmjs.org.evil.com', 443)).toBe('not_allowlisted');
    expect(list.match('', 443)).toBe('not_allowlisted');
    expect(createHostAllowlist([]).match('example.com', 443)).toBe('not_allowlisted');
  });

  it('allows only 80 and 443 for an entry without a port', () => {
    expect(list.match('registry.npmjs.org', 80)).toBe('allowed');
    expect(list.match('registry.npmjs.org', 8443)).toBe('port_not_allowed');
    expect(list.match('api.github.com', 22)).toBe('port_not_allowed');
    expect(list.match('localhost', 5432)).toBe('port_not_allowed');
  });

  it('allows exactly the port an entry names, and only that one', () => {
    const ports = createHostAllowlist([
      'registry.example.com:8443',
      '*.example.com:8080',
      '10.0.0.5:5000',
      '[fd00::5]:6000',
    ]);
    expect(ports.match('registry.example.com', 8443)).toBe('allowed');
    expect(ports.match('registry.example.com', 443)).toBe('port_not_allowed');
    expect(ports.match('a.example.com', 8080)).toBe('allowed');
    expect(ports.match('a.example.com', 80)).toBe('port_not_allowed');
    expect(ports.match('example.com', 8080)).toBe('not_allowlisted');
    expect(ports.match('10.0.0.5', 5000)).toBe('allowed');
    expect(ports.match('10.0.0.5', 5001)).toBe('port_not_allowed');
    expect(ports.match('fd00:0::5', 6000)).toBe('allowed');
    // A host listed with and without a port gets both.
    const both = createHostAllowlist(['x.test', 'x.test:8443']);
    expect([80, 443, 8443, 8080].map((port) => both.match('x.test', port))).toEqual([
      'allowed',
      'allowed',
      'allowed',
      'port_not_allowed',
    ]);
  });

  it('parses entries and refuses malformed ones', () => {
    expect(parseAllowlistEntry('*.Example.com:8080')).toEqual({
      host: 'example.com',
      wildcard: true,
      port: 8080,
    });
    expect(parseAllowlistEntry('::1')).toEqual({ host: '0:0:0:0:0:0:0:1', wildcard: false });
    for (const bad of [
      'host:0',
      'host:65536',
      'host:',
      'host:http',
      'a:b:c',
      '*.10.0.0.1',
      '*.',
      'exa mple.com',
      'user@host',
      '[10.0.0.1]:80',
      'http://host',
      '',
    ])
      expect(parseAllowlistEntry(bad), bad).toBeUndefined();
    expect(() => createHostAllowlist(['ok.test', 'host:99999'])).toThrow(/"host:99999"/);
  });
});
