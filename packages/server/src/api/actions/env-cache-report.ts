import type { EnvCacheCleared, EnvCacheList, EnvCacheQuery } from '@abca/contracts';
import type { EnvCacheAdmin } from '../../ports/env-cache.ts';

/**
 * The environment cache as an operator sees it (`GET /v1/admin/env-cache`, `abca cache list`): the
 * snapshots of one repo or all, most recently used first, their total size beside the cap.
 */
export async function envCacheReport(cache: EnvCacheAdmin, q: EnvCacheQuery): Promise<EnvCacheList> {
  const entries = await cache.list(q.repo ? { repo: q.repo } : {});
  return {
    entries,
    total_bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    max_bytes: cache.maxBytes,
    enabled: cache.enabled,
  };
}

/** Removes the snapshots of one repo, or all (`DELETE /v1/admin/env-cache`, `abca cache clear`). */
export function clearEnvCache(cache: EnvCacheAdmin, q: EnvCacheQuery): Promise<EnvCacheCleared> {
  return cache.clear(q.repo ? { repo: q.repo } : {});
}
