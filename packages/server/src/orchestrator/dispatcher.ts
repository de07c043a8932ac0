import type { Config } from '../config/config.ts';
import { type Db, withTx } from '../storage/db.ts';
import { appendEvent } from '../store/event-store.ts';
import { ACTIVE_STATUSES } from '../store/task-store.ts';

interface Waiting {
  task_id: string;
  user_id: string;
  repo: string;
  status: 'SUBMITTED' | 'QUEUED' | 'AWAITING_APPROVAL';
  repo_cap: number | null;
  resume_step: string | null;
}

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
export async function admitWaitingTasks(db: Db, caps: Config['caps']): Promise<Admitted[]> {
  return withTx(db, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('abca_admission'))");
    const active = await tx.query<{ user_id: string; repo: string }>(
      'SELECT user_id, repo FROM tasks WHERE admitted_at IS NOT NULL AND status = ANY($1)',
      [ACTIVE_STATUSES],
    );
    const perUser = new Map<string, number>();
    const perRepo = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const r of active.rows) {
      bump(perUser, r.user_id);
      bump(perRepo, r.repo);
    }
    let global = active.rows.length;
    const waiting = await tx.query<Waiting>(
      `SELECT t.task_id, t.user_id, t.repo, t.status, t.resume_step,
              (r.settings->>'max_concurrency')::int AS repo_cap
       FROM tasks t LEFT JOIN repos r USING (repo)
       WHERE t.admitted_at IS NULL AND (t.status IN ('SUBMITTED', 'QUEUED') OR (t.status = 'AWAITING_APPROVAL'
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.task_id = t.task_id AND a.state = 'pending')))
       ORDER BY t.status = 'AWAITING_APPROVAL' DESC, t.created_at, t.task_id LIMIT 1000
       FOR UPDATE OF t`,
    );
    const admitted: Admitted[] = [];
    let position = 0;
    for (const w of waiting.rows) {
      const fits =
        global < caps.global &&
        (perUser.get(w.user_id) ?? 0) < caps.perUser &&
        (perRepo.get(w.repo) ?? 0) < (w.repo_cap ?? caps.perRepo);
      if (fits && w.status === 'AWAITING_APPROVAL') {
        const res = await tx.query<{ run_seq: number }>(
          `UPDATE tasks SET admitted_at = clock_timestamp(), run_seq = run_seq + 1, updated_at = clock_timestamp()
           WHERE task_id = $1 AND status = 'AWAITING_APPROVAL' RETURNING run_seq`,
          [w.task_id],
        );
        await appendEvent(tx, w.task_id, 'task.admitted', {});
        global += 1;
        bump(perUser, w.user_id);
        bump(perRepo, w.repo);
        admitted.push({ taskId: w.task_id, runSeq: res.rows[0]?.run_seq ?? 1, resumeStep: w.resume_step });
      } else if (w.status === 'AWAITING_APPROVAL') {
        // Decided, no slot yet: it keeps waiting where it is, first in line.
      } else if (fits) {
        await tx.query(
          `UPDATE tasks SET admitted_at = clock_timestamp(), status = 'SUBMITTED', updated_at = clock_timestamp()
           WHERE task_id = $1 AND status IN ('SUBMITTED', 'QUEUED')`,
          [w.task_id],
        );
        if (w.status === 'QUEUED') {
          await appendEvent(tx, w.task_id, 'task.status_changed', {
            from: 'QUEUED',
            to: 'SUBMITTED',
            reason: 'slot_available',
          });
        }
        await appendEvent(tx, w.task_id, 'task.admitted', {});
        global += 1;
        bump(perUser, w.user_id);
        bump(perRepo, w.repo);
        admitted.push({ taskId: w.task_id, runSeq: 0, resumeStep: null });
      } else {
        position += 1;
        if (w.status === 'SUBMITTED') {
          const reason =
            global >= caps.global
              ? 'global_cap'
              : (perUser.get(w.user_id) ?? 0) >= caps.perUser
                ? 'user_cap'
                : 'repo_cap';
          await tx.query(
            "UPDATE tasks SET status = 'QUEUED', updated_at = clock_timestamp() WHERE task_id = $1 AND status = 'SUBMITTED'",
            [w.task_id],
          );
          await appendEvent(tx, w.task_id, 'task.status_changed', {
            from: 'SUBMITTED',
            to: 'QUEUED',
            reason,
            queue_position: position,
          });
        }
      }
    }
    return admitted;
  });
}
