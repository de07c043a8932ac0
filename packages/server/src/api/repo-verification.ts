import type { ApiWarning, ForgeSpec, RepoSettings, RepoVerification } from '@abca/contracts';
import type { RepoVerifier } from '../onboarding/verify-repo.ts';
import { NOT_VERIFIED_WARNING } from '../onboarding/verify-repo.ts';
import { AppError } from '../ops/errors.ts';
import type { GitCredential } from '../ports/forge.ts';
import { CredentialUnreadableError, type RepoCredentials } from '../secrets/repo-credentials.ts';
import type { CredentialChange } from './repo-credential-input.ts';

/** What a repo write learned from verifying: the settings to store and what to tell the admin. */
export interface VerifiedWrite {
  settings: RepoSettings;
  verification: RepoVerification;
  warnings: ApiWarning[];
}

const UNVERIFIED: RepoVerification = {
  verified: false,
  default_branch: null,
  default_branch_discovered: false,
  push: 'unknown',
};

/**
 * `verify` from the query (`?verify=false`) and the body: either may turn it off; given both, they
 * must agree. Default on.
 */
export function readVerifyFlag(query: string | undefined, body: boolean | undefined): boolean {
  let fromQuery: boolean | undefined;
  if (query !== undefined) {
    if (query !== 'true' && query !== 'false') {
      throw new AppError('VALIDATION_ERROR', 'Invalid request: verify: must be true or false', {
        details: [{ field: 'verify', message: 'must be true or false' }],
      });
    }
    fromQuery = query === 'true';
  }
  if (fromQuery !== undefined && body !== undefined && fromQuery !== body) {
    throw new AppError('VALIDATION_ERROR', 'Invalid request: verify: the query and the body disagree', {
      details: [{ field: 'verify', message: 'the query and the body disagree' }],
    });
  }
  return fromQuery ?? body ?? true;
}

/**
 * Verifies a repo before it is written (see `createRepoVerifier`): a failure is the `422` of its
 * code with the remedy, and nothing is stored; success fills in the remote's default branch when
 * none was named. With `verify` off the settings are stored as given, with `NOT_VERIFIED`.
 */
export async function verifyRepoWrite(
  deps: { verifier: RepoVerifier; credentials: RepoCredentials },
  input: {
    repo: string;
    forge: ForgeSpec;
    settings: RepoSettings;
    change: CredentialChange;
    /** PATCH: whether a credential is stored now (kept unless the change says otherwise). */
    stored: boolean;
    verify: boolean;
  },
): Promise<VerifiedWrite> {
  if (!input.verify)
    return { settings: input.settings, verification: UNVERIFIED, warnings: [NOT_VERIFIED_WARNING] };
  const credential = await credentialToTry(deps.credentials, input);
  const verdict = await deps.verifier.verify({
    repo: input.repo,
    forge: input.forge,
    ...(input.settings.default_branch ? { defaultBranch: input.settings.default_branch } : {}),
    ...(credential ? { credential } : {}),
  });
  if (!verdict.ok) throw new AppError(verdict.code, verdict.message, { remedy: verdict.remedy });
  const settings = verdict.discovered
    ? { ...input.settings, default_branch: verdict.defaultBranch }
    : input.settings;
  return { settings, verification: verdict.verification, warnings: verdict.warnings };
}

/** The credential the repo will have once written: the new one, none, or the stored one kept. */
async function credentialToTry(
  credentials: RepoCredentials,
  input: { repo: string; forge: ForgeSpec; change: CredentialChange; stored: boolean },
): Promise<GitCredential | undefined> {
  if (input.change.kind === 'put') {
    const c = input.change.credential;
    return { url: `${c.origin}/`, username: c.username, password: c.password };
  }
  if (input.change.kind === 'remove' || !input.stored || input.forge.kind !== 'git') return undefined;
  try {
    const c = await credentials.read(input.repo);
    return c ? { url: `${c.origin}/`, username: c.username, password: c.password } : undefined;
  } catch (err) {
    if (!(err instanceof CredentialUnreadableError)) throw err;
    throw new AppError(
      'REMOTE_AUTH_FAILED',
      `${input.repo}: the stored credential cannot be used on this server (${err.reason === 'other_key' ? 'sealed with another secret key' : 'altered or moved'}).`,
      {
        remedy:
          'Give the token again with --git-token-stdin or --git-token-env (or set ABCA_SECRET_KEY to the key that stored it).',
      },
    );
  }
}
