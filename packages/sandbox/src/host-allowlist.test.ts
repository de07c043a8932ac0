import { describe, expect, it } from 'vitest';
import { isHostAllowed } from './host-allowlist.ts';

describe('isHostAllowed', () => {
  const list = ['registry.npmjs.org', '*.github.com', 'LOCALHOST', '::1'];

  it('matches exact names case-insensitively, with a trailing dot', () => {
    expect(isHostAllowed('registry.npmjs.org', list)).toBe(true);
    expect(isHostAllowed('Registry.NPMJS.org.', list)).toBe(true);
    expect(isHostAllowed('localhost', list)).toBe(true);
    expect(isHostAllowed('[::1]', list)).toBe(true);
  });

  it('matches wildcards on sub-domains only', () => {
    expect(isHostAllowed('api.github.com', list)).toBe(true);
    expect(isHostAllowed('a.b.github.com', list)).toBe(true);
    expect(isHostAllowed('github.com', list)).toBe(false);
    expect(isHostAllowed('evilgithub.com', list)).toBe(false);
  });

  it('rejects everything else', () => {
    expect(isHostAllowed('npmjs.org', list)).toBe(false);
    expect(isHostAllowed('registry.npmjs.org.evil.com', list)).toBe(false);
    expect(isHostAllowed('', list)).toBe(false);
    expect(isHostAllowed('example.com', [])).toBe(false);
  });
});
