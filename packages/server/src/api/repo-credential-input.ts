import {
  DEFAULT_GIT_USERNAME,
  type ForgeSpec,
  type GitCredentialInput,
  hasControlCharacter,
  isHttpGitUrl,
  type RepoInfo,
  splitGitUrl,
} from '@abca/contracts';
import { AppError } from '../ops/errors.ts';
import { originOf } from '../secrets/git-credential-lookup.ts';
import type { RepoCredential, RepoCredentials } from '../secrets/repo-credentials.ts';
import type { Queryable } from '../storage/db.ts';

/** What a POST or PATCH does to a repo's stored credential. */
export type CredentialChange =
  | { kind: 'keep' }
  | { kind: 'remove' }
  | { kind: 'put'; credential: RepoCredential };

const invalid = (field: string, message: string) =>
  new AppError('VALIDATION_ERROR', `Invalid request: ${field}: ${message}`, {
    details: [{ field, message }],
  });

/**
 * Reads the credential a repo write carries, either as `user:token@` in a git URL or as the
 * `credential` field, and returns the forge to store (its URL without userinfo) with what to do
 * to the stored credential. Messages never echo the URL or the token.
 *
 * A new forge on another origin (or of another kind) without a credential drops the stored one:
 * it was given for the old host, and following the URL would hand it to the new one.
 */
export function readRepoCredential(input: {
  /** The forge as the request gave it. */
  forge: ForgeSpec | undefined;
  credential: GitCredentialInput | null | undefined;
  /** The forge the repo keeps when the request gives none (PATCH: the current one; POST: the default). */
  fallback: ForgeSpec | undefined;
  /** PATCH: the repo as it is. */
  current?: Pick<RepoInfo, 'forge' | 'credential'>;
}): { forge: ForgeSpec | undefined; change: CredentialChange } {
  let given = input.forge;
  let fromUrl: { username: string; password: string } | undefined;
  if (given?.kind === 'git') {
    const parts = splitGitUrl(given.url);
    if (parts.username !== undefined) {
      if (!isHttpGitUrl(given.url)) {
        if (parts.password !== undefined) {
          throw invalid(
            'forge.url',
            'holds a password, which git does not send over this scheme: give the host an SSH key, or use an https:// URL with a token',
          );
        }
      } else {
        const both = `${parts.username}${parts.password ?? ''}`;
        if (!both || hasControlCharacter(both) || parts.username.includes(':')) {
          throw invalid(
            'forge.url',
            'the user name or token in the URL is empty, or holds control characters or an encoded ":"',
          );
        }
        fromUrl = { username: parts.username, password: parts.password ?? '' };
        given = { kind: 'git', url: parts.url };
      }
    }
    if (isHttpGitUrl(given.url) && !originOf(given.url)) throw invalid('forge.url', 'is not a valid URL');
  }
  const forge = given ?? input.fallback;
  if (fromUrl && input.credential) {
    throw invalid('credential', 'given twice: as user:token@ in forge.url and as credential; give one');
  }
  if (fromUrl && input.credential === null) {
    throw invalid('credential', 'null contradicts the user:token@ in forge.url');
  }
  const wanted = fromUrl ?? (input.credential ? toCredential(input.credential) : undefined);
  if (wanted) {
    const origin = forge?.kind === 'git' ? originOf(forge.url) : undefined;
    if (!origin)
      throw invalid('credential', 'only a git forge with an http:// or https:// URL takes a credential');
    return { forge, change: { kind: 'put', credential: { origin, ...wanted } } };
  }
  if (input.credential === null) return { forge, change: { kind: 'remove' } };
  const cur = input.current;
  if (given && cur?.credential) {
    const before = cur.forge.kind === 'git' ? originOf(cur.forge.url) : undefined;
    const after = given.kind === 'git' ? originOf(given.url) : undefined;
    if (before !== after) return { forge, change: { kind: 'remove' } };
  }
  return { forge, change: { kind: 'keep' } };
}

function toCredential(c: GitCredentialInput): { username: string; password: string } {
  return { username: c.username ?? DEFAULT_GIT_USERNAME, password: c.token };
}

/** Applies a {@link CredentialChange} (in the transaction that writes the repo). */
export async function applyCredentialChange(
  db: Queryable,
  credentials: RepoCredentials,
  repo: string,
  change: CredentialChange,
): Promise<void> {
  if (change.kind === 'put') await credentials.put(db, repo, change.credential);
  else if (change.kind === 'remove') await credentials.remove(db, repo);
}
