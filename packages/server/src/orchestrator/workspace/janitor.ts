import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../ops/logger.ts';
import type { Queryable } from '../../storage/db.ts';
import { readyFile } from './task-workspace.ts';

export interface WorkspaceJanitorDeps {
  db: Queryable;
  /** The folder holding one workspace per task, named after the task id in lower case. */
  workspaceRoot: string;
  /** How long a finished task's workspace is kept for inspection. */
  retentionMs: number;
  log: Logger;
  /**
   * Removes a folder a sandbox wrote (any depth, never following a link out of it); default a
   * recursive `rm` of Node, which fails on trees deeper than PATH_MAX.
   */
  remove?(dir: string): Promise<void>;
}

/**
 * Removes the workspaces of tasks that ended (any terminal state) longer ago than the retention
 * time. Folders of tasks still going, of tasks this database does not know (another install on
 * the same state folder) and anything that is not a folder are left alone. Returns the folders
 * removed. Safe to run from several processes sharing the state folder.
 */
export async function removeExpiredWorkspaces(deps: WorkspaceJanitorDeps): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(deps.workspaceRoot, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const expired = await deps.db.query<{ name: string }>(
    `SELECT lower(task_id) AS name FROM tasks
     WHERE lower(task_id) = ANY($1) AND completed_at IS NOT NULL
       AND completed_at < clock_timestamp() - make_interval(secs => $2)`,
    [names, deps.retentionMs / 1000],
  );
  const removed: string[] = [];
  for (const { name } of expired.rows) {
    const dir = join(deps.workspaceRoot, name);
    try {
      // The record first: a half-removed folder must not count as a ready workspace.
      await rm(readyFile(dir), { force: true });
      await (deps.remove ? deps.remove(dir) : rm(dir, { recursive: true, force: true, maxRetries: 3 }));
      removed.push(dir);
    } catch (err) {
      deps.log.warn({ err, dir }, 'could not remove an expired workspace');
    }
  }
  if (removed.length > 0) deps.log.info({ removed: removed.length }, 'removed expired task workspaces');
  return removed;
}

/**
 * Runs {@link removeExpiredWorkspaces} at start and then periodically (a quarter of the retention
 * time, between 10 s and 15 min). Returns a function that stops it.
 */
export function startWorkspaceJanitor(deps: WorkspaceJanitorDeps): () => void {
  const everyMs = Math.min(15 * 60_000, Math.max(10_000, deps.retentionMs / 4));
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await removeExpiredWorkspaces(deps);
    } catch (err) {
      deps.log.warn({ err }, 'workspace cleanup failed');
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
