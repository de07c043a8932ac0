import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** Why a task did not get a snapshot of its environment (docs/env-cache.md). */
export const EnvCacheMissReason = z.enum([
  /** No snapshot of this repo, setup command and sandbox yet. */
  'no_snapshot',
  /** There are snapshots of this repo and setup command, but a key file (a lockfile) differs. */
  'key_changed',
  /** The platform (`ABCA_ENV_CACHE=off`) or the repo (`env_cache.enabled=false`) turned it off. */
  'disabled',
  /** The snapshot was unreadable, incomplete or removed while it was copied: setup runs instead. */
  'corrupted',
  /** A path the snapshot holds already exists in this workspace (a re-run, or the branch tracks it). */
  'workspace_conflict',
]);
export type EnvCacheMissReason = z.infer<typeof EnvCacheMissReason>;

/** Why a clean setup was not kept as a snapshot. */
export const EnvCacheSkipReason = z.enum([
  /** The task's base is not the default branch head (a pull request's branch): it may hit, never fill. */
  'not_default_branch',
  /** Setup changed files git tracks. */
  'tracked_files_changed',
  /** Setup changed a key file (a lockfile): the snapshot would not match its key. */
  'key_files_changed',
  /** Another task is saving the same key right now. */
  'fill_in_progress',
  /** A snapshot of this key exists already. */
  'already_cached',
  /** More files or bytes than the cache takes. */
  'too_large',
  /** Setup left something that is not a file, folder or symlink (a FIFO, a socket, a device). */
  'unsupported_file',
  /** Setup left nothing git ignores or does not track: nothing to keep. */
  'nothing_to_save',
]);
export type EnvCacheSkipReason = z.infer<typeof EnvCacheSkipReason>;

/** What the environment cache did for a task's workspace. */
export const ENV_CACHE_EVENT_DATA = {
  'env_cache.hit': z.object({
    key: z.string(),
    bytes: count,
    files: count,
    /** What the hit cost the task: computing the key (reading the key files) and copying the snapshot. */
    duration_ms: ms,
    /** The snapshot's baseline (build, test, lint) was taken on this base commit and is reused. */
    baseline_reused: z.boolean(),
  }),
  'env_cache.miss': z.object({
    reason: EnvCacheMissReason,
    /** The key looked up (absent when the cache is off). */
    key: z.string().optional(),
    /** What was wrong, for `corrupted` and `workspace_conflict`. */
    detail: z.string().optional(),
  }),
  'env_cache.saved': z.object({ key: z.string(), bytes: count, files: count, duration_ms: ms }),
  'env_cache.save_skipped': z.object({
    reason: EnvCacheSkipReason,
    key: z.string().optional(),
    detail: z.string().optional(),
  }),
  'env_cache.save_failed': z.object({
    /** `no_space`: the disk filled up while saving; `error`: anything else. Nothing partial is kept. */
    reason: z.enum(['no_space', 'error']),
    key: z.string(),
    message: z.string(),
  }),
} as const;
