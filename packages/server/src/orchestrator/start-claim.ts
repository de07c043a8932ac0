import { type Db, withTx } from '../storage/db.ts';
import { WORKFLOW_ID_OF_T, workflowIdOf } from '../store/task-row.ts';
import { ACTIVE_STATUSES } from '../store/task-store.ts';
import type { Admitted } from './dispatcher.ts';

/** `NOTIFY` channel of admitted tasks that their admitting process leaves to the workers. */
export const ADMITTED_CHANNEL = 'abca_task_admitted';

/**
 * The condition on `tasks t` of an admitted task without its workflow: `active` is the parameter of
 * the active statuses, `minAgeS` the one of the seconds since admission.
 */
export const withoutWorkflow = (active: string, minAgeS: string) =>
  `t.admitted_at IS NOT NULL AND t.status = ANY(${active})
   AND t.admitted_at <= now() - make_interval(secs => ${minAgeS})
   AND NOT EXISTS (SELECT 1 FROM dbos.workflow_status w WHERE w.workflow_uuid = ${WORKFLOW_ID_OF_T})`;

export interface ClaimFilter {
  /** Only these tasks (the ones an admission round just admitted); default any admitted task. */
  taskIds?: string[];
  /** Only tasks admitted at least this long ago (the reconciler's grace); default 0. */
  minAgeMs?: number;
  /** At most this many (a worker's free slots). */
  limit: number;
}

/**
 * Starts the workflows of admitted tasks that have none yet, each exactly once whoever else tries
 * at the same moment (the admitting process, a worker woken by a notification, a reconciler):
 * the task rows are locked (`FOR UPDATE SKIP LOCKED`: a row another process holds is its to start),
 * the workflow records are read again in a new statement once the locks are held (a start committed
 * by the previous holder is then seen), and the locks are kept until every `start` has recorded
 * its workflow. `start` records the workflow (DBOS: local or queued) and returns; the workflow's
 * own first write to the task row waits for this transaction's end. Answers the runs started.
 */
export async function claimAndStart(
  db: Db,
  filter: ClaimFilter,
  start: (run: Admitted) => Promise<void>,
): Promise<Admitted[]> {
  if (filter.limit <= 0 || filter.taskIds?.length === 0) return [];
  return withTx(db, async (tx) => {
    const locked = await tx.query<{ task_id: string; run_seq: number; resume_step: string | null }>(
      `SELECT t.task_id, t.run_seq, t.resume_step FROM tasks t
       WHERE ${withoutWorkflow('$1', '$3')} AND ($2::text[] IS NULL OR t.task_id = ANY($2))
       ORDER BY t.admitted_at, t.task_id
       LIMIT $4
       FOR UPDATE OF t SKIP LOCKED`,
      [ACTIVE_STATUSES, filter.taskIds ?? null, (filter.minAgeMs ?? 0) / 1000, filter.limit],
    );
    const runs = locked.rows.map((r) => ({
      taskId: r.task_id,
      runSeq: r.run_seq,
      resumeStep: r.run_seq > 0 ? r.resume_step : null,
    }));
    if (runs.length === 0) return [];
    // A fresh snapshot: a workflow the previous holder of a lock recorded is visible now.
    const recorded = await tx.query<{ workflow_uuid: string }>(
      'SELECT workflow_uuid FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)',
      [runs.map((r) => workflowIdOf(r.taskId, r.runSeq))],
    );
    const have = new Set(recorded.rows.map((r) => r.workflow_uuid));
    const started: Admitted[] = [];
    for (const run of runs) {
      if (have.has(workflowIdOf(run.taskId, run.runSeq))) continue;
      await start(run);
      started.push(run);
    }
    return started;
  });
}
