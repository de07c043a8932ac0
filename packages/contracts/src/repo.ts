import { z } from 'zod';
import { ApprovalPolicy } from './approval.ts';
import { GitHubTrigger } from './channels.ts';
import { EnvCacheSettings } from './env-cache.ts';
import { ApiWarning, RepoVerification } from './onboarding.ts';
import { BudgetUsd, RepoName } from './task.ts';
import { MonthlyBudgetUsd } from './usage.ts';

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
  /** The per-task budget: the default of a task that gives none, and a cap on one that does. */
  max_budget_usd: BudgetUsd.optional(),
  /** What the repo's tasks may spend in a calendar month (UTC); then new tasks get BUDGET_EXCEEDED. */
  monthly_budget_usd: MonthlyBudgetUsd.optional(),
  network_allowlist: z.array(AllowedHost).max(100).optional(),
  max_concurrency: z.number().int().min(1).max(100).optional(),
  /** Which GitHub events start a task on this repo (docs/channels.md); default all three. */
  github_triggers: z.array(GitHubTrigger).max(3).optional(),
  /** The issue label that starts a task; default `abca`. */
  trigger_label: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[^\s,][^,]*$/, 'must be a GitHub label name (no commas)')
    .optional(),
  /** The name a comment mentions to ask for a task, without `@`; default `abca`. */
  mention_name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/, 'must be a GitHub login such as abca or abca[bot]')
    .optional(),
  /** The repo's memory (docs/memory.md): retrieved into prompts and written from tasks; default on. */
  memory: z.boolean().optional(),
  /** The PR watcher on this repo's ABCA pull requests (docs/pr-loop.md); default on. */
  pr_watch: z.boolean().optional(),
  /** Iteration tasks the watcher starts on one pull request; default ABCA_PR_MAX_ITERATIONS. */
  pr_max_iterations: z.number().int().min(0).max(50).optional(),
  /** What one pull request's tasks (its opening task and iterations) may spend before the watcher stops; default ABCA_PR_MAX_SPEND_USD. */
  pr_max_spend_usd: z.number().gt(0).max(1000).optional(),
  /** The label that stops the watcher on a pull request (GitHub); default ABCA_PR_STOP_LABEL. */
  pr_stop_label: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[^\s,][^,]*$/, 'must be a GitHub label name (no commas)')
    .optional(),
  /** Human approval gates (docs/approvals.md): plan, push, tool-call rules, and their timeout. */
  approvals: ApprovalPolicy.optional(),
  /** The environment cache (docs/env-cache.md): on by default; extra key files. */
  env_cache: EnvCacheSettings.optional(),
});
export type RepoSettings = z.infer<typeof RepoSettings>;

export const ForgeSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fake') }),
  z.strictObject({ kind: z.literal('git'), url: z.string().trim().min(1).max(2000) }),
  z.strictObject({ kind: z.literal('github'), owner_repo: RepoName }),
]);
export type ForgeSpec = z.infer<typeof ForgeSpec>;

/** Whether `s` holds a control character (C0 or DEL): refused in anything sent in an HTTP header. */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** What a redacted secret reads as in responses and CLI output. */
export const REDACTED = '[redacted]';

/** The user name a token is sent with when none is given (GitHub, GitLab and Gitea accept it). */
export const DEFAULT_GIT_USERNAME = 'x-access-token';

/**
 * A credential for a plain-git repo over `http(s)://`, write-only: stored encrypted apart from the
 * repo and sent by the host's git as a Basic header, never returned. Control characters are
 * refused because the value ends up in an HTTP header; `:` in the user name would split it.
 */
export const GitCredentialInput = z.strictObject({
  /** Default {@link DEFAULT_GIT_USERNAME}; some forges (Bitbucket) want the account's name. */
  username: z
    .string()
    .min(1)
    .max(200)
    .refine((v) => !v.includes(':') && !hasControlCharacter(v), 'may not hold ":" or control characters')
    .optional(),
  token: z
    .string()
    .min(1)
    .max(4096)
    .refine((v) => !hasControlCharacter(v), 'may not hold control characters'),
});
export type GitCredentialInput = z.infer<typeof GitCredentialInput>;

/** How a stored git credential is shown: who it authenticates as, never the token. */
export const RepoCredentialInfo = z.object({
  /** The user name sent with the token; null when the URL gave a lone token as its user name. */
  username: z.string().nullable(),
  token: z.literal(REDACTED),
  updated_at: z.string(),
});
export type RepoCredentialInfo = z.infer<typeof RepoCredentialInfo>;

export const CreateRepoRequest = z.strictObject({
  repo: RepoName,
  /**
   * Where the repo lives; default: GitHub `owner/name` when the name has a slash, else required.
   * A git URL's `user:token@` is taken out of it and stored as the repo's credential.
   */
  forge: ForgeSpec.optional(),
  /** A credential for a `git` forge over http(s), instead of `user:token@` in its URL. */
  credential: GitCredentialInput.optional(),
  settings: RepoSettings.default({}),
  /**
   * Default true: the remote is checked before anything is stored (reachable with the credential,
   * default branch present, push allowed where the forge can tell). False (or `?verify=false`)
   * stores it offline, with a `NOT_VERIFIED` warning.
   */
  verify: z.boolean().optional(),
});
export type CreateRepoRequest = z.infer<typeof CreateRepoRequest>;

/**
 * PATCH: settings are merged field by field; `null` clears a field. `credential` replaces the
 * stored git credential, `null` removes it; a new forge on another host (or of another kind)
 * without one drops it, since it was given for the old host.
 */
export const UpdateRepoRequest = z.strictObject({
  forge: ForgeSpec.optional(),
  credential: GitCredentialInput.nullable().optional(),
  /** As on create; checked only when the forge, the credential or the default branch changes. */
  verify: z.boolean().optional(),
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

/** A repo as the API returns it: the git URL never holds userinfo, the credential is redacted. */
export const RepoInfo = z.object({
  repo: z.string(),
  forge: ForgeSpec,
  /** The stored git credential, redacted; null without one (or from a server that has none). */
  credential: RepoCredentialInfo.nullable().default(null),
  settings: RepoSettings,
  created_at: z.string(),
  updated_at: z.string(),
});
export type RepoInfo = z.infer<typeof RepoInfo>;

/**
 * The answer of `POST /v1/repos` and `PATCH /v1/repos/{repo}`: the repo, what verifying it found,
 * and warnings (`NOT_VERIFIED`, `PUSH_NOT_CHECKED`). Older servers send neither extra field.
 */
export const RepoWriteResponse = z.object({
  data: RepoInfo,
  verification: RepoVerification.optional(),
  warnings: z.array(ApiWarning).default([]),
});
export type RepoWriteResponse = z.infer<typeof RepoWriteResponse>;

/** A git URL with its userinfo taken out: what `scheme://user:password@host/...` held, decoded. */
export interface GitUrlParts {
  /** The URL without `user:password@` (unchanged when it had none). */
  url: string;
  /** Lower-case scheme (`https`, `ssh`, ...); undefined for paths and `user@host:path`. */
  scheme?: string;
  /** Percent-decoded user name, when the URL had userinfo. */
  username?: string;
  /** Percent-decoded password; undefined when the userinfo had no `:`. */
  password?: string;
}

/**
 * Splits the userinfo off a `scheme://` URL. The authority ends at the first `/`, `?` or `#`, and
 * its last `@` ends the userinfo (as the WHATWG URL parser reads it). scp-like `user@host:path`
 * has no scheme and is left alone: its user name is the SSH login, not a secret.
 */
export function splitGitUrl(url: string): GitUrlParts {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url);
  if (!m || !scheme) return scheme ? { url, scheme } : { url };
  const userinfo = m[2] ?? '';
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    url: `${m[1]}://${url.slice(m[0].length)}`,
    scheme,
    username: decode(colon === -1 ? userinfo : userinfo.slice(0, colon)),
    ...(colon === -1 ? {} : { password: decode(userinfo.slice(colon + 1)) }),
  };
}

/** Whether git sends a stored credential to this URL (as a Basic header): `http://` and `https://`. */
export function isHttpGitUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * A git URL fit to show: no userinfo on http(s) (it can only be a credential there), no password on
 * other schemes (the SSH login name stays: `ssh://git@host/r.git` needs it).
 */
export function redactGitUrl(url: string): string {
  const parts = splitGitUrl(url);
  if (parts.username === undefined) return url;
  if (isHttpGitUrl(url)) return parts.url;
  if (parts.password === undefined) return url;
  const at = url.indexOf('://') + 3;
  const rawUser = url.slice(at, url.indexOf(':', at));
  return rawUser ? `${url.slice(0, at)}${rawUser}@${parts.url.slice(at)}` : parts.url;
}
