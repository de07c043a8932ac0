import { z } from 'zod';
import type { WorkCommit } from '../ports/workspaces.ts';
import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';

const Commits = z.array(z.object({ sha: z.string(), subject: z.string() }));

/** A checkpoint of a task's branch: its head and a git bundle of the commits since the base. */
export interface WorkspaceSnapshot {
  branch: string;
  baseCommit: string;
  headCommit: string;
  /** Null when the branch had no commits of its own. */
  bundle: Buffer | null;
  /** The commits the bundle was verified to hold, oldest first. */
  commits: WorkCommit[];
  /** Files the commits change (absent on checkpoints saved before it was kept). */
  paths?: string[];
}

/** Saves (or replaces) the task's checkpoint. */
export async function saveWorkspaceSnapshot(
  db: Queryable,
  taskId: string,
  s: WorkspaceSnapshot,
): Promise<void> {
  await db.query(
    `INSERT INTO workspace_snapshots (task_id, branch, base_commit, head_commit, bundle, commits, paths)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (task_id) DO UPDATE SET branch = EXCLUDED.branch, base_commit = EXCLUDED.base_commit,
       head_commit = EXCLUDED.head_commit, bundle = EXCLUDED.bundle, commits = EXCLUDED.commits, paths = EXCLUDED.paths,
       created_at = clock_timestamp()`,
    [
      taskId,
      s.branch,
      s.baseCommit,
      s.headCommit,
      s.bundle,
      toJsonb(s.commits),
      s.paths ? toJsonb(s.paths) : null,
    ],
  );
}

export async function getWorkspaceSnapshot(
  db: Queryable,
  taskId: string,
): Promise<WorkspaceSnapshot | undefined> {
  const res = await db.query<{
    branch: string;
    base_commit: string;
    head_commit: string;
    bundle: Buffer | null;
    commits: unknown;
    paths: unknown;
  }>(
    'SELECT branch, base_commit, head_commit, bundle, commits, paths FROM workspace_snapshots WHERE task_id = $1',
    [taskId],
  );
  const row = res.rows[0];
  return row
    ? {
        branch: row.branch,
        baseCommit: row.base_commit,
        headCommit: row.head_commit,
        bundle: row.bundle,
        commits: Commits.parse(row.commits),
        ...(Array.isArray(row.paths) ? { paths: z.array(z.string()).parse(row.paths) } : {}),
      }
    : undefined;
}

/** Drops the task's checkpoint (the task ended: nothing will restore it). */
export async function deleteWorkspaceSnapshot(db: Queryable, taskId: string): Promise<void> {
  await db.query('DELETE FROM workspace_snapshots WHERE task_id = $1', [taskId]);
}
