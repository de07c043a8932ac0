import { z } from 'zod';

/** What `manifest.json` beside a snapshot's files holds; written last, so a snapshot without one is not served. */
export const EnvManifest = z.object({
  version: z.literal(1),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  family: z.string().regex(/^[0-9a-f]{64}$/),
  repo: z.string(),
  setup_command: z.string(),
  sandbox: z.string(),
  key_files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  base_commit: z.string(),
  /** The top-level paths the snapshot holds, relative to the workspace. */
  entries: z.array(z.string()),
  bytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  created_at: z.string(),
  baseline: z.array(
    z.object({
      name: z.string(),
      command: z.string(),
      exitCode: z.number().int().nullable(),
      ok: z.boolean(),
      durationMs: z.number().nonnegative(),
      killed: z.string().optional(),
      outputTail: z.string(),
    }),
  ),
});
export type EnvManifest = z.infer<typeof EnvManifest>;

/** `usage.json`: hits and last use, rewritten on each hit (the manifest never changes). */
export const EnvUsage = z.object({ hits: z.number().int().nonnegative(), last_used_at: z.string() });
export type EnvUsage = z.infer<typeof EnvUsage>;
