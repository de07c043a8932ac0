import type { ForgeContext, RepoRef } from '../../ports/forge.ts';
import type { Workspaces } from '../../ports/workspaces.ts';
import type { Queryable } from '../../storage/db.ts';
import type { IterationContext } from './iteration-context.ts';
import { type FileAtHead, type IterationSections, iterationSections } from './prompt-sections.ts';

/** A file of a thread is read up to here for the code around its line. */
const FILE_MAX_BYTES = 512 * 1024;
/** Distinct files read for the threads' code. */
const MAX_FILES = 50;

/**
 * When ABCA last pushed to the pull request's branch: the latest `finalization.pushed` of any task
 * on it (the task that opened it and earlier iterations), or null.
 */
export async function lastPushOn(db: Queryable, repo: string, branch: string): Promise<string | null> {
  const res = await db.query<{ at: Date | null }>(
    `SELECT max(e.at) AS at FROM task_events e JOIN tasks t ON t.task_id = e.task_id
     WHERE t.repo = $1 AND t.branch_name = $2 AND e.type = 'finalization.pushed'`,
    [repo, branch],
  );
  const at = res.rows[0]?.at;
  return at ? new Date(at).toISOString() : null;
}

/**
 * Hydration of an iteration: reads the threads' files at the PR's head (from the mirror, just
 * synced) and ABCA's last push on it, and builds the iteration's prompt sections and context.
 */
export async function hydrateIteration(
  deps: { db: Queryable; workspaces: Pick<Workspaces, 'readFiles'> },
  repo: RepoRef,
  task: { repo: string },
  pr: NonNullable<ForgeContext['pullRequest']>,
): Promise<IterationSections & { context: IterationContext }> {
  const since = await lastPushOn(deps.db, task.repo, pr.branch);
  const paths = [...new Set(pr.reviewThreads.slice(-50).map((t) => t.path))].slice(0, MAX_FILES);
  const files = new Map<string, FileAtHead>();
  if (paths.length > 0) {
    // At the head the forge reported; the mirror holds it after the sync (else: the branch head).
    const ref = pr.headSha || pr.branch;
    let read = await deps.workspaces.readFiles(repo, paths, { ref, maxBytes: FILE_MAX_BYTES });
    if (read.size === 0 && ref !== pr.branch)
      read = await deps.workspaces.readFiles(repo, paths, { ref: pr.branch, maxBytes: FILE_MAX_BYTES });
    for (const p of paths) files.set(p, read.get(p)?.text ?? null);
  }
  const built = iterationSections({ pr, files, since });
  return { ...built, context: { threads: built.threads, since } };
}
