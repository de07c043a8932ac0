import { z } from 'zod';
import { RepoName } from './task.ts';

/** Settings of an onboarded repository; every field optional with platform defaults. */
export const RepoSettings = z.strictObject({
  default_branch: z.string().min(1).max(200).optional(),
  max_concurrency: z.number().int().min(1).max(100).optional(),
  max_turns: z.number().int().min(1).max(500).optional(),
  max_budget_usd: z.number().min(0.01).max(100).optional(),
  model: z.string().min(3).max(200).optional(),
});
export type RepoSettings = z.infer<typeof RepoSettings>;

export const CreateRepoRequest = z.strictObject({
  repo: RepoName,
  forge: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('fake') }),
      z.strictObject({ kind: z.literal('git'), url: z.string().min(1).max(2000) }),
      z.strictObject({ kind: z.literal('github'), owner_repo: RepoName }),
    ])
    .default({ kind: 'fake' }),
  settings: RepoSettings.default({}),
});
export type CreateRepoRequest = z.infer<typeof CreateRepoRequest>;

export const RepoInfo = z.object({
  repo: z.string(),
  forge: z.record(z.string(), z.unknown()),
  settings: RepoSettings,
  created_at: z.string(),
  updated_at: z.string(),
});
export type RepoInfo = z.infer<typeof RepoInfo>;
