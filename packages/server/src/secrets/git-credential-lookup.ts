import { ForgeError, type RepoRef } from '../ports/forge.ts';
import { CredentialUnreadableError, type RepoCredentials } from './repo-credentials.ts';

/** What the git forge hands to git for one call (the shape of the adapter's `GitCredential`). */
export interface GitCallCredential {
  /** The origin the Basic header is scoped to; git sends it to no other host. */
  url: string;
  username: string;
  password: string;
}

/** `scheme://host[:port]` of an http(s) URL; undefined for anything else or a malformed URL. */
export function originOf(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The credentials lookup the plain-git forge calls before each remote git command. A credential
 * that cannot be used is a typed, non-retryable pre-flight failure naming the fix, never a crash:
 * a machine with another key (scale-out without a shared `ABCA_SECRET_KEY`), or a row pointed at
 * another host than the repo's URL.
 */
export function gitCredentialLookup(
  credentials: RepoCredentials,
): (repo: RepoRef) => Promise<GitCallCredential | undefined> {
  return async (repo) => {
    if (repo.forge.kind !== 'git') return undefined;
    let stored: Awaited<ReturnType<RepoCredentials['read']>>;
    try {
      stored = await credentials.read(repo.repo);
    } catch (err) {
      if (!(err instanceof CredentialUnreadableError)) throw err;
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        err.reason === 'other_key'
          ? `the stored credential of ${repo.repo} cannot be decrypted with this machine's key: set ABCA_SECRET_KEY to the key of the server that stored it (every machine of the platform needs the same key), or store the credential again with abca repos update`
          : `the stored credential of ${repo.repo} cannot be decrypted (it was altered or copied from another repo): store it again with abca repos update`,
        false,
      );
    }
    if (!stored) return undefined;
    const origin = originOf(repo.forge.url);
    if (origin !== stored.origin) {
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `the stored credential of ${repo.repo} was given for ${stored.origin}, not for the repo's URL: store it again with abca repos update`,
        false,
      );
    }
    return { url: `${stored.origin}/`, username: stored.username, password: stored.password };
  };
}
