import { z } from 'zod';

/** What an onboarding refusal carries besides its code: the default text and how to fix it. */
export interface OnboardingFailureKind {
  message: string;
  /** Names the `abca repos add` / `repos update` flag (or server setting) that fixes it. */
  remedy: string;
  /** A remedy for a GitHub repo, where the credentials are the server's, not the repo's. */
  githubRemedy?: string;
}

/**
 * Why `POST /v1/repos` (or a `PATCH` that moves the repo) refused to store it: each is a `422`
 * with the code, a message naming what was wrong and the remedy. Nothing is stored. `--no-verify`
 * (`verify=false`) stores the repo without these checks.
 */
export const ONBOARDING_FAILURES = {
  FORGE_NOT_CONFIGURED: {
    message: 'This server is not configured for the forge the repository is on.',
    remedy:
      'Configure the forge on the server (GitHub: ABCA_GITHUB_TOKEN, or ABCA_GITHUB_APP_ID with ABCA_GITHUB_APP_PRIVATE_KEY_FILE) and restart it, or onboard the repository as plain git with --git-url. --no-verify stores it anyway; its tasks fail until the forge is configured.',
  },
  REMOTE_INVALID: {
    message: 'The remote is not a git URL or an absolute path.',
    remedy:
      'Give --git-url an absolute path or a git URL: https://host/repo.git, ssh://git@host/repo.git, git@host:repo.git or file:///path/repo.git.',
  },
  REMOTE_NOT_FOUND: {
    message: 'There is no git repository at the remote, or the credentials cannot see it.',
    remedy:
      'Check --git-url (a path must exist on the server and hold a git repository); for a private repository give a token that can read it with --git-token-stdin or --git-token-env.',
    githubRemedy:
      "Check the owner/name; the server's GitHub token or App must be able to see the repository (GitHub answers 'not found' for a private repository it may not read).",
  },
  REMOTE_AUTH_FAILED: {
    message: 'The remote refused the credentials.',
    remedy:
      'Give a token that can read the repository with --git-token-stdin or --git-token-env (add --git-username when the forge wants the account name).',
    githubRemedy:
      "The server's GitHub credentials were refused: set a valid ABCA_GITHUB_TOKEN (or the GitHub App's key) on the server and restart it.",
  },
  REMOTE_UNREACHABLE: {
    message: 'The remote could not be reached.',
    remedy:
      "Check the host in --git-url and the server's network access to it, or onboard offline with --no-verify.",
    githubRemedy:
      "Check the server's network access to GitHub (and ABCA_GITHUB_API_URL), or onboard offline with --no-verify.",
  },
  REMOTE_TIMEOUT: {
    message: 'The remote did not answer in time.',
    remedy:
      "Check --git-url and the server's network access to the remote (the wait is ABCA_ONBOARD_VERIFY_TIMEOUT_S), or onboard offline with --no-verify.",
  },
  DEFAULT_BRANCH_NOT_FOUND: {
    message: 'The default branch is not on the remote.',
    remedy:
      "Name a branch that exists on the remote with --default-branch, or leave it out to use the remote's default branch (an empty repository needs a first commit).",
  },
  PUSH_NOT_ALLOWED: {
    message: 'The credentials may read the repository but not push to it.',
    remedy:
      'Give a token with write access (--git-token-stdin or --git-token-env), or onboard with --no-verify and grant it before the first task.',
    githubRemedy:
      "Grant the server's GitHub token or App write access to the repository's contents and pull requests, or onboard with --no-verify and grant it before the first task.",
  },
} as const satisfies Record<string, OnboardingFailureKind>;

export type OnboardingFailureCode = keyof typeof ONBOARDING_FAILURES;
export const ONBOARDING_FAILURE_CODES = Object.keys(ONBOARDING_FAILURES) as [
  OnboardingFailureCode,
  ...OnboardingFailureCode[],
];

/** The remedy of an onboarding failure for a repo on `forgeKind`. */
export function onboardingRemedy(code: OnboardingFailureCode, forgeKind: string): string {
  const kind: OnboardingFailureKind = ONBOARDING_FAILURES[code];
  return forgeKind === 'github' && kind.githubRemedy ? kind.githubRemedy : kind.remedy;
}

/**
 * Something a repo write did that the admin should know, though it succeeded: `NOT_VERIFIED`
 * (stored with `verify=false`), `PUSH_NOT_CHECKED` (plain git cannot tell without pushing).
 */
export const ApiWarning = z.object({ code: z.string(), message: z.string() });
export type ApiWarning = z.infer<typeof ApiWarning>;

/** What onboarding found on the remote. */
export const RepoVerification = z.object({
  /** False when the repo was stored with `verify=false` (or a PATCH changed nothing to check). */
  verified: z.boolean(),
  /** The default branch found on the remote; null when not verified. */
  default_branch: z.string().nullable(),
  /** True when no branch was named and the remote's own default (HEAD) was stored. */
  default_branch_discovered: z.boolean(),
  /** `allowed`: the forge says the credentials may push; `unknown`: it cannot tell (plain git). */
  push: z.enum(['allowed', 'unknown']),
});
export type RepoVerification = z.infer<typeof RepoVerification>;
