import type { EnvCacheCleared, EnvCacheEntry } from '@abca/contracts';
import type { EnvCacheAdmin } from '../../src/ports/env-cache.ts';

/**
 * A fake environment cache (operator's side only): snapshots held in memory, listed most recently
 * used first, cleared by repo or all. For the API and CLI surfaces' tests, not the cache itself.
 */
export interface FakeEnvCacheAdmin extends EnvCacheAdmin {
  add(entry: Partial<EnvCacheEntry> & { repo: string }): EnvCacheEntry;
  /** The filters list() and clear() were called with, in order. */
  readonly calls: { op: 'list' | 'clear'; repo: string | undefined }[];
}

export function createFakeEnvCacheAdmin(
  opts: { maxBytes?: number; enabled?: boolean } = {},
): FakeEnvCacheAdmin {
  let entries: EnvCacheEntry[] = [];
  const calls: FakeEnvCacheAdmin['calls'] = [];
  let n = 0;
  return {
    maxBytes: opts.maxBytes ?? 10 * 1024 ** 3,
    enabled: opts.enabled ?? true,
    calls,
    add(partial) {
      n += 1;
      const at = new Date(Date.UTC(2026, 0, 1, 12, n)).toISOString();
      const entry: EnvCacheEntry = {
        key: `${n.toString(16).padStart(2, '0')}${'ab'.repeat(31)}`,
        setup_command: 'npm ci',
        sandbox: 'bubblewrap:host',
        key_files: [{ path: 'package-lock.json', sha256: 'cd'.repeat(32) }],
        base_commit: `${n}`.padEnd(40, 'f'),
        bytes: 1024 * n,
        files: 10 * n,
        created_at: at,
        last_used_at: at,
        hits: n,
        ...partial,
      };
      entries.push(entry);
      return entry;
    },
    async list(filter = {}) {
      calls.push({ op: 'list', repo: filter.repo });
      return entries
        .filter((e) => filter.repo === undefined || e.repo === filter.repo)
        .sort((a, b) => b.last_used_at.localeCompare(a.last_used_at));
    },
    async clear(filter = {}): Promise<EnvCacheCleared> {
      calls.push({ op: 'clear', repo: filter.repo });
      const gone = entries.filter((e) => filter.repo === undefined || e.repo === filter.repo);
      entries = entries.filter((e) => !gone.includes(e));
      return { removed: gone.length, bytes: gone.reduce((sum, e) => sum + e.bytes, 0) };
    },
  };
}
