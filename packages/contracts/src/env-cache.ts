import { z } from 'zod';
import { RepoName } from './task.ts';

/**
 * The environment cache (docs/env-cache.md): what a repo's setup command produced (the files git
 * ignores: dependencies, build caches), kept after a clean setup and given to the next task whose
 * key matches, so setup runs once.
 */

/** A repo's own switch and key files (repo setting `env_cache`); default on, default key files per ecosystem. */
export const EnvCacheSettings = z.strictObject({
  /** Default true. */
  enabled: z.boolean().optional(),
  /** Files (paths in the repo) whose content is part of the key, in addition to the defaults. */
  key_files: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(300)
        .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the repo'),
    )
    .max(50)
    .optional(),
});
export type EnvCacheSettings = z.infer<typeof EnvCacheSettings>;

/** One snapshot, as `GET /v1/admin/env-cache` and `abca cache list` show it. */
export const EnvCacheEntry = z.object({
  /** The key (hex digest of repo, setup command, sandbox image and key files' contents). */
  key: z.string(),
  repo: z.string(),
  setup_command: z.string(),
  /** The sandbox backend and image the snapshot was made in. */
  sandbox: z.string(),
  /** The key files that were present, with their content digests. */
  key_files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  /** The commit the setup ran on (its baseline is reused by tasks on the same commit). */
  base_commit: z.string(),
  bytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  created_at: z.string(),
  last_used_at: z.string(),
  hits: z.number().int().nonnegative(),
});
export type EnvCacheEntry = z.infer<typeof EnvCacheEntry>;

export const EnvCacheList = z.object({
  entries: z.array(EnvCacheEntry),
  total_bytes: z.number().int().nonnegative(),
  /** The size cap (ABCA_ENV_CACHE_MAX_BYTES); least recently used snapshots go first. */
  max_bytes: z.number().int().nonnegative(),
  /** Whether the cache is on for this platform (ABCA_ENV_CACHE). */
  enabled: z.boolean(),
});
export type EnvCacheList = z.infer<typeof EnvCacheList>;

/** `DELETE /v1/admin/env-cache[?repo=]`: what was removed. */
export const EnvCacheCleared = z.object({
  removed: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type EnvCacheCleared = z.infer<typeof EnvCacheCleared>;

/** `GET` and `DELETE /v1/admin/env-cache`: the snapshots of one repo, or all. */
export const EnvCacheQuery = z.strictObject({ repo: RepoName.optional() });
export type EnvCacheQuery = z.infer<typeof EnvCacheQuery>;
