import { AppError } from '../../ops/errors.ts';
import type { RepoRef } from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { Principal } from '../../store/api-key-store.ts';
import { type ChangeRequest, getChangeRequest } from '../../store/change-requests.ts';
import { getRepo } from '../../store/repo-store.ts';
import { getTask } from '../../store/task-store.ts';

/**
 * A plain-git pull request the caller may see, with its repo as the forge knows it: an admin sees
 * every one, a member those of their own tasks. Anything else — no such number, another member's,
 * a repo no longer onboarded or not plain git — is the same 404 `PR_NOT_FOUND`, so a member cannot
 * tell another's pull request from a missing one.
 */
export async function loadOwnedChangeRequest(
  db: Queryable,
  p: Principal,
  number: number,
): Promise<{ cr: ChangeRequest; repo: RepoRef }> {
  const cr = await getChangeRequest(db, number);
  const owner = cr?.taskId ? (await getTask(db, cr.taskId))?.user_id : undefined;
  if (!cr || (p.role !== 'admin' && owner !== p.userId))
    throw new AppError(
      'PR_NOT_FOUND',
      `No pull request ${number}. ABCA keeps the pull requests of plain-git repos; GitHub pull requests are reviewed, merged and closed on GitHub.`,
    );
  const info = await getRepo(db, cr.repo);
  if (!info)
    throw new AppError('PR_NOT_FOUND', `Pull request ${number}'s repo ${cr.repo} is no longer onboarded.`);
  if (info.forge.kind !== 'git')
    throw new AppError(
      'PR_NOT_FOUND',
      `Pull request ${number} belongs to ${cr.repo}, which is now a ${info.forge.kind} repo: its pull requests are reviewed on ${info.forge.kind === 'github' ? 'GitHub' : 'that forge'}.`,
    );
  return {
    cr,
    repo: { repo: info.repo, defaultBranch: info.settings.default_branch ?? 'main', forge: info.forge },
  };
}

/** Comments, reviews and merges take an open pull request only. */
export function requireOpen(cr: ChangeRequest, what: string): void {
  if (cr.state !== 'open')
    throw new AppError('PR_NOT_OPEN', `Pull request ${cr.number} is ${cr.state}: it takes no more ${what}.`);
}
