import type { Config } from '../config/config.ts';
import type { Queryable } from '../storage/db.ts';
import { ACTIVE_STATUSES } from '../store/task-store.ts';
import { ADMITTED_CHANNEL } from './start-claim.ts';

/** A task admitted now: its run (`run_seq`, the workflow id's suffix) and where that run starts. */
export interface Admitted {
  taskId: string;
  runSeq: number;
  /** The step a run after an approval decision starts at; null: the blueprint's start. */
  resumeStep: string | null;
}

/**
 * Admission: gives free concurrency slots to waiting tasks in submission order (FIFO), within the
 * global, per-user and per-repo caps, and moves tasks that do not fit to QUEUED. One transaction
 * under an advisory lock, so the caps hold across every process sharing the database. Returns the
 * ids admitted now; the caller starts their workflows (idempotent by task id). The waiting rows are
 * locked while admission decides: a cancel committed meanwhile (it holds the row) takes the task out
 * of the waiting set, and is never written back to SUBMITTED or QUEUED.
 *
 * A waiting task blocked by its own user's or repo's cap does not block tasks of others behind it.
 *
 * A task waiting at an approval gate holds no slot (`admitted_at` is cleared while it waits); once
 * its request is decided it is admitted like a new task, before them (a person is waiting on it),
 * and its next run starts at the step that asked (docs/approvals.md).
 */
export async function admitWaitingTasks(
  db: Queryable,
  caps: Config['caps'],
  opts: { announce?: boolean } = {},
): Promise<Admitted[]> {
  // One statement, one round trip: the decision is the database function of migration 024, which
  // holds the admission lock to the end of its transaction. With `announce` (a process that leaves
  // the starts to the workers), the same statement tells them when it admitted any task: the
  // notification goes out with the admission's commit, never before it.
  const res = await db.query<{
    admitted_task_id: string;
    admitted_run_seq: number;
    admitted_resume_step: string | null;
  }>(
    opts.announce
      ? {
          name: 'abca_admit_announce',
          text: `WITH admitted AS MATERIALIZED (SELECT * FROM abca_admit($1, $2, $3, $4)),
                   told AS (SELECT pg_notify('${ADMITTED_CHANNEL}', '') FROM admitted LIMIT 1)
                 SELECT admitted.* FROM admitted LEFT JOIN told ON true`,
          values: [caps.global, caps.perUser, caps.perRepo, ACTIVE_STATUSES],
        }
      : {
          name: 'abca_admit',
          text: 'SELECT * FROM abca_admit($1, $2, $3, $4)',
          values: [caps.global, caps.perUser, caps.perRepo, ACTIVE_STATUSES],
        },
  );
  return res.rows.map((r) => ({
    taskId: r.admitted_task_id,
    runSeq: r.admitted_run_seq,
    resumeStep: r.admitted_resume_step,
  }));
}
