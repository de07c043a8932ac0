import { z } from 'zod';
import { RepoName } from './task.ts';

export const VALIDATION_MODES = ['strict', 'regression_only', 'informational'] as const;
export const ValidationMode = z.enum(VALIDATION_MODES);
export type ValidationMode = z.infer<typeof ValidationMode>;

/**
 * An entry of the sandbox's egress allowlist: `registry.npmjs.org`, `*.example.com` (sub-domains
 * only) or an IPv4 address, optionally with `:port` (`registry.example.com:8443`). Without a port
 * only 80 and 443 are allowed, so a repo cannot open SSH or database ports by naming a host. The
 * sandbox still refuses a name resolving to a non-public address unless the operator allows it.
 */
export const AllowedHost = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$/,
    'must be a host name such as registry.npmjs.org, *.example.com or registry.example.com:8443',
  )
  .refine((entry) => {
    const port = entry.split(':')[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  }, 'the port after the colon must be between 1 and 65535');

const Command = z.string().trim().min(1).max(2000);

/**
 * The blueprint settings of an onboarded repository; every field optional with platform defaults.
 * A repo's own `.abca/config.yaml` may suggest the same fields: the operator's settings win, and
 * the security ones (budget, turns, network allowlist) can only be narrowed by the repo.
 */
export const RepoSettings = z.strictObject({
  default_branch: z.string().min(1).max(200).optional(),
  setup_command: Command.optional(),
  build_command: Command.optional(),
  test_command: Command.optional(),
  lint_command: Command.optional(),
  validation_mode: ValidationMode.optional(),
  model: z.string().min(3).max(200).optional(),
  max_turns: z.number().int().min(1).max(500).optional(),
  max_budget_usd: z.number().min(0.01).max(100).optional(),
  network_allowlist: z.array(AllowedHost).max(100).optional(),
  max_concurrency: z.number().int().min(1).max(100).optional(),
});
export type RepoSettings = z.infer<typeof RepoSettings>;

export const ForgeSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fake') }),
  z.strictObject({ kind: z.literal('git'), url: z.string().trim().min(1).max(2000) }),
  z.strictObject({ kind: z.literal('github'), owner_repo: RepoName }),
]);
export type ForgeSpec = z.infer<typeof ForgeSpec>;

export const CreateRepoRequest = z.strictObject({
  repo: RepoName,
  /** Where the repo lives; default: GitHub `owner/name` when the name has a slash, else required. */
  forge: ForgeSpec.optional(),
  settings: RepoSettings.default({}),
});
export type CreateRepoRequest = z.infer<typeof CreateRepoRequest>;

/** PATCH: settings are merged field by field; `null` clears a field. */
export const UpdateRepoRequest = z.strictObject({
  forge: ForgeSpec.optional(),
  settings: z
    .strictObject(
      Object.fromEntries(
        Object.entries(RepoSettings.shape).map(([k, v]) => [k, v.unwrap().nullable().optional()]),
      ) as {
        [K in keyof typeof RepoSettings.shape]: z.ZodOptional<
          z.ZodNullable<ReturnType<(typeof RepoSettings.shape)[K]['unwrap']>>
        >;
      },
    )
    .optional(),
});
export type UpdateRepoRequest = z.infer<typeof UpdateRepoRequest>;

export const RepoInfo = z.object({
  repo: z.string(),
  forge: ForgeSpec,
  settings: RepoSettings,
  created_at: z.string(),
  updated_at: z.string(),
});
export type RepoInfo = z.infer<typeof RepoInfo>;
