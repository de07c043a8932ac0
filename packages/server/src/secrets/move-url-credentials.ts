import { hasControlCharacter, isHttpGitUrl, redactGitUrl, splitGitUrl } from '@abca/contracts';
import type { Logger } from '../ops/logger.ts';
import { type Db, withTx } from '../storage/db.ts';
import { lockGitReposWithUserinfo, setGitUrl } from '../store/repo-store.ts';
import { originOf } from './git-credential-lookup.ts';
import type { RepoCredentials } from './repo-credentials.ts';

/**
 * Repos onboarded before credentials were kept apart may hold `user:token@` in their stored URL.
 * At start, after the migrations, each is moved into `repo_credentials` (sealed) and its URL
 * stripped, in one transaction under an advisory lock so processes starting together do it once.
 * Idempotent: a stripped URL no longer matches. A password in a non-http URL (which git never
 * sends over SSH) is dropped. Returns the repos whose stored URL changed.
 */
export async function moveUrlCredentials(
  db: Db,
  credentials: RepoCredentials,
  log: Logger,
): Promise<string[]> {
  return withTx(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['abca_move_url_credentials']);
    const moved: string[] = [];
    for (const { repo, url } of await lockGitReposWithUserinfo(tx)) {
      const parts = splitGitUrl(url);
      if (parts.username === undefined) continue;
      if (!isHttpGitUrl(url)) {
        if (parts.password === undefined) continue; // ssh://git@host: the login name, not a secret
        await setGitUrl(tx, repo, redactGitUrl(url));
        log.warn(
          { repo },
          'dropped a password from a non-http git URL: git does not send it over this scheme',
        );
        moved.push(repo);
        continue;
      }
      const origin = originOf(parts.url);
      const usable = origin !== undefined && !hasControlCharacter(`${parts.username}${parts.password ?? ''}`);
      if (usable) {
        await credentials.put(tx, repo, { origin, username: parts.username, password: parts.password ?? '' });
      } else {
        log.warn(
          { repo },
          'dropped an unusable credential from a git URL: store it again with abca repos update',
        );
      }
      await setGitUrl(tx, repo, parts.url);
      moved.push(repo);
    }
    if (moved.length) log.info({ repos: moved }, 'moved credentials out of stored git URLs');
    return moved;
  });
}
