import {
  Approval,
  type ApprovalChannel,
  type ApprovalGate,
  type ApprovalRequestData,
  type ApprovalState,
} from '@abca/contracts';
import { AppError } from '../ops/errors.ts';
import { newUlid } from '../ops/ids.ts';
import { type Db, type Queryable, withTx } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';
import { appendEvent } from '../store/event-store.ts';

const COLUMNS = `approval_id, task_id, gate, state, request, created_at, expires_at, decided_at,
  decided_by, channel, reason, edited_plan`;

interface ApprovalDbRow {
  approval_id: string;
  task_id: string;
  gate: string;
  state: string;
  request: unknown;
  created_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  channel: string | null;
  reason: string | null;
  edited_plan: string | null;
}

/** A row as the API shows it (validated: rows cross a trust boundary too). */
function toApproval(r: ApprovalDbRow): Approval {
  return Approval.parse({
    ...r,
    created_at: r.created_at.toISOString(),
    expires_at: r.expires_at.toISOString(),
    decided_at: r.decided_at?.toISOString() ?? null,
  });
}

/**
 * Stores a pending request for `key` (`plan:1`, `push`, `tool:<call id>`) unless the task has one
 * for that key already, and returns the task's request for the key either way: a step that runs
 * again after a crash finds its request instead of making a twin.
 */
export async function ensureApproval(
  db: Queryable,
  input: { taskId: string; key: string; request: ApprovalRequestData; timeoutS: number },
): Promise<{ approval: Approval; created: boolean }> {
  const inserted = await db.query<ApprovalDbRow>(
    `INSERT INTO approvals (approval_id, task_id, gate, request_key, request, expires_at)
     VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(secs => $6))
     ON CONFLICT (task_id, request_key) DO NOTHING RETURNING ${COLUMNS}`,
    [`apr_${newUlid()}`, input.taskId, input.request.gate, input.key, toJsonb(input.request), input.timeoutS],
  );
  if (inserted.rows[0]) return { approval: toApproval(inserted.rows[0]), created: true };
  const found = await findApproval(db, input.taskId, input.key);
  if (!found) throw new Error(`approval ${input.key} of task ${input.taskId} vanished`);
  return { approval: found, created: false };
}

/** The task's request for `key`, if it made one. */
export async function findApproval(
  db: Queryable,
  taskId: string,
  key: string,
): Promise<Approval | undefined> {
  const res = await db.query<ApprovalDbRow>(
    `SELECT ${COLUMNS} FROM approvals WHERE task_id = $1 AND request_key = $2`,
    [taskId, key],
  );
  return res.rows[0] ? toApproval(res.rows[0]) : undefined;
}

/** Every request of a task, oldest first. */
export async function listApprovals(db: Queryable, taskId: string): Promise<Approval[]> {
  const res = await db.query<ApprovalDbRow>(
    `SELECT ${COLUMNS} FROM approvals WHERE task_id = $1 ORDER BY created_at, approval_id`,
    [taskId],
  );
  return res.rows.map(toApproval);
}

/** The request the task waits on now, if any. */
export async function pendingApproval(db: Queryable, taskId: string): Promise<Approval | undefined> {
  const res = await db.query<ApprovalDbRow>(
    `SELECT ${COLUMNS} FROM approvals WHERE task_id = $1 AND state = 'pending'
     ORDER BY created_at DESC LIMIT 1`,
    [taskId],
  );
  return res.rows[0] ? toApproval(res.rows[0]) : undefined;
}

export interface Decision {
  taskId: string;
  /** Decides this request only (a stale page cannot decide a newer one); default: the pending one. */
  approvalId?: string;
  state: Extract<ApprovalState, 'approved' | 'denied' | 'expired'>;
  /** The ABCA user id, or `timeout`. */
  by: string;
  channel: ApprovalChannel;
  reason?: string | null;
  /** Approved with an edited plan (plan gate only). */
  editedPlan?: string | null;
}

/**
 * Records a decision on the task's pending request, once: a second decision, one on a request that
 * expired or was cancelled, or one naming an older request fails with APPROVAL_NOT_PENDING (409);
 * a task with no request at all with APPROVAL_NOT_FOUND (404). The `approval.decided` event is
 * written in the same transaction. The caller wakes admission: the task's next run starts there.
 */
export async function decideApproval(db: Db, d: Decision): Promise<Approval> {
  return withTx(db, async (tx) => {
    const rows = await tx.query<ApprovalDbRow>(
      `SELECT ${COLUMNS} FROM approvals WHERE task_id = $1 ORDER BY created_at DESC, approval_id DESC FOR UPDATE`,
      [d.taskId],
    );
    if (rows.rows.length === 0) {
      throw new AppError('APPROVAL_NOT_FOUND', `Task ${d.taskId} has asked for no approval.`);
    }
    const target = d.approvalId
      ? rows.rows.find((r) => r.approval_id === d.approvalId)
      : (rows.rows.find((r) => r.state === 'pending') ?? rows.rows[0]);
    if (!target) {
      throw new AppError('APPROVAL_NOT_FOUND', `Task ${d.taskId} has no approval request ${d.approvalId}.`);
    }
    if (target.state !== 'pending') {
      const when = target.decided_at ? ` at ${target.decided_at.toISOString()}` : '';
      const who = target.decided_by ? ` by ${target.decided_by}` : '';
      throw new AppError(
        'APPROVAL_NOT_PENDING',
        `Task ${d.taskId} is not waiting for this decision any more: its ${target.gate} request was ${target.state}${who}${when}.`,
      );
    }
    if (d.editedPlan && target.gate !== 'plan') {
      throw new AppError(
        'VALIDATION_ERROR',
        `Only a plan can be edited; this request is a ${target.gate} gate.`,
        {
          details: [{ field: 'plan', message: `not allowed for a ${target.gate} request` }],
        },
      );
    }
    const res = await tx.query<ApprovalDbRow>(
      `UPDATE approvals SET state = $2, decided_at = clock_timestamp(), decided_by = $3, channel = $4,
         reason = $5, edited_plan = $6
       WHERE approval_id = $1 AND state = 'pending' RETURNING ${COLUMNS}`,
      [target.approval_id, d.state, d.by, d.channel, d.reason ?? null, d.editedPlan ?? null],
    );
    const row = res.rows[0] as ApprovalDbRow;
    await appendEvent(tx, d.taskId, 'approval.decided', {
      approval_id: row.approval_id,
      gate: row.gate as ApprovalGate,
      state: d.state,
      by: d.by,
      channel: d.channel,
      reason: d.reason ?? null,
      plan_edited: Boolean(d.editedPlan),
    });
    return toApproval(row);
  });
}

/** The pending requests whose time is up, oldest first (the reconciler denies them: `expireApprovals`). */
/** The condition on `approvals` of a pending request past its timeout. */
export const PAST_TIMEOUT = `state = 'pending' AND expires_at <= clock_timestamp()`;

export async function expiredApprovals(
  db: Queryable,
  limit = 100,
): Promise<{ task_id: string; approval_id: string }[]> {
  const res = await db.query<{ task_id: string; approval_id: string }>(
    `SELECT task_id, approval_id FROM approvals WHERE ${PAST_TIMEOUT} ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return res.rows;
}

/** The task was cancelled while it waited: its pending request is closed (no event: the cancel has one). */
export async function cancelApprovals(db: Queryable, taskId: string): Promise<void> {
  await db.query(
    `UPDATE approvals SET state = 'cancelled', decided_at = clock_timestamp()
     WHERE task_id = $1 AND state = 'pending'`,
    [taskId],
  );
}
