import type { EnvCacheCleared, EnvCacheEntry } from '@abca/contracts';

/**
 * The environment cache's port (docs/env-cache.md). The operator's side (list and clear) is fixed
 * here; the task's side (lookup, fill, serve into a workspace) is added by its implementation.
 * Snapshots live on this host's disk, survive restarts, and are bounded by a size cap with
 * least-recently-used eviction.
 */
export interface EnvCacheAdmin {
  /** The snapshots on this host, most recently used first (optionally of one repo). */
  list(filter?: { repo?: string }): Promise<EnvCacheEntry[]>;
  /** Removes the snapshots (of one repo, or all); a snapshot in use by a task stays readable to it. */
  clear(filter?: { repo?: string }): Promise<EnvCacheCleared>;
  /** The size cap in bytes, and whether the cache is on. */
  readonly maxBytes: number;
  readonly enabled: boolean;
}
