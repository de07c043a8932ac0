import type { Logger } from '../ops/logger.ts';
import type { Memory } from '../ports/memory.ts';
import type { Queryable } from '../storage/db.ts';

const DAY_MS = 86_400_000;

export interface MemoryFaderDeps {
  db: Queryable;
  memory: Memory;
  /** Days a record nobody used lives (`config.memory.fadeDays`). */
  fadeDays: number;
  log: Logger;
  /** Between sweeps; default an hour. */
  everyMs?: number;
  now?: () => Date;
}

/**
 * Pins the records a task used whose pull request was merged (issue 10's `pr_watches`: the task
 * opened it, or iterated on it), with a provenance note saying so: a record that helped make
 * merged work is kept whatever its age. A record noted once is not pinned again, so a person who
 * unpins it has the last word. Returns how many records it pinned.
 */
export async function keepMergedMemories(db: Queryable): Promise<number> {
  const res = await db.query(
    `UPDATE memory_records m
        SET pinned = true, updated_at = clock_timestamp(),
            provenance = m.provenance || jsonb_build_object('pinned_because', left(
              'used by task ' || k.task_id || ', whose pull request ' || k.repo || '#' || k.number || ' was merged', 500))
       FROM (SELECT DISTINCT ON (u.record_id) u.record_id, t.task_id, w.repo, w.number
               FROM memory_uses u
               JOIN tasks t ON t.task_id = u.task_id
               JOIN pr_watches w ON w.state = 'merged' AND w.repo = t.repo
                AND (w.origin_task_id = t.task_id
                     OR (t.workflow_ref = 'coding/pr-iteration-v1' AND t.pr_number = w.number))
              ORDER BY u.record_id, w.merged_at) k
      WHERE m.id = k.record_id AND m.repo = k.repo AND NOT m.pinned
        AND NOT (m.provenance ? 'pinned_because')`,
  );
  return res.rowCount ?? 0;
}

/** One sweep: keep what merged PRs used, then remove what nobody pinned or used for `fadeDays`. */
export async function fadeMemories(deps: MemoryFaderDeps): Promise<{ kept: number; faded: number }> {
  const kept = await keepMergedMemories(deps.db);
  const now = deps.now?.() ?? new Date();
  const faded = await deps.memory.fade(new Date(now.getTime() - deps.fadeDays * DAY_MS));
  if (kept > 0 || faded > 0)
    deps.log.info({ kept, faded }, 'memory records kept (merged) and faded (unused)');
  return { kept, faded };
}

/**
 * Runs {@link fadeMemories} at start and then once an hour, wherever workflows run (safe from
 * several processes: both steps are idempotent). Returns a stop that waits for a sweep under way,
 * so it ends before the pool closes.
 */
export function startMemoryFader(deps: MemoryFaderDeps): () => Promise<void> {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = fadeMemories(deps)
      .then(() => undefined)
      .catch((err: unknown) => deps.log.warn({ err }, 'memory fading failed'))
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, deps.everyMs ?? 3_600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
