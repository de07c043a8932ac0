import { AllowedHost } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { parseAllowlistEntry } from '../src/index.ts';

// The API validates a repo's allowlist with the contracts schema; the sandbox parses it again when
// the proxy starts. An entry the API accepts but the sandbox refuses would fail every task later.
describe('AllowedHost (contracts) and the sandbox allowlist parser', () => {
  const accepted = [
    'registry.npmjs.org',
    '*.example.com',
    'Registry.Example.com:8443',
    '*.example.com:8080',
    '10.0.0.5',
    '10.0.0.5:5000',
    'localhost:1',
    'host:65535',
  ];
  const refused = [
    'host:0',
    'host:65536',
    'host:',
    'host:http',
    '*.',
    'a b',
    'http://host',
    'user@host',
    '::1',
    '',
  ];

  it('accepts host, *.suffix and IP entries with an optional port, as the sandbox does', () => {
    for (const entry of accepted) {
      expect(AllowedHost.safeParse(entry).success, entry).toBe(true);
      expect(parseAllowlistEntry(entry), entry).toBeDefined();
    }
  });

  it('refuses malformed entries and out-of-range ports', () => {
    for (const entry of refused) expect(AllowedHost.safeParse(entry).success, entry).toBe(false);
    expect(AllowedHost.safeParse('host:70000').error?.issues[0]?.message).toContain('between 1 and 65535');
  });
});
