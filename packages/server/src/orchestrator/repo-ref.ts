import type { RepoInfo } from '@abca/contracts';
import type { RepoRef } from '../ports/forge.ts';
import type { Queryable } from '../storage/db.ts';
import { getRepo } from '../store/repo-store.ts';

/** The forge's view of an onboarded repo; a repo removed while a task runs is an error to retry. */
export async function repoRef(db: Queryable, repo: string): Promise<RepoRef> {
  return (await repoWithRef(db, repo)).ref;
}

/** {@link repoRef} and the repo's row it was made from, in one read. */
export async function repoWithRef(db: Queryable, repo: string): Promise<{ info: RepoInfo; ref: RepoRef }> {
  const info = await getRepo(db, repo);
  if (!info) throw new Error(`repository ${repo} is no longer onboarded`);
  return {
    info,
    ref: { repo: info.repo, defaultBranch: info.settings.default_branch ?? 'main', forge: info.forge },
  };
}
