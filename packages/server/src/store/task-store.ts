import {
  type Channel,
  canTransition,
  isTerminal,
  TASK_STATUSES,
  type TaskError,
  type TaskEventData,
  type TaskStatus,
} from '@abca/contracts';
import { type Db, type Queryable, withTx } from '../storage/db.ts';
import { storableText, toJsonb } from '../storage/storable.ts';
import { appendEvent } from './event-store.ts';
import { parseTaskRow, TASK_COLUMNS, type TaskRow } from './task-row.ts';

export const ACTIVE_STATUSES: TaskStatus[] = [
  'SUBMITTED',
  'HYDRATING',
  'RUNNING',
  'AWAITING_APPROVAL',
  'FINALIZING',
];

/** Columns a transition may set along with the status. */
export interface TaskPatch {
  error?: TaskError | null;
  outcome?: Record<string, unknown> | null;
  context?: Record<string, unknown> | null;
  pr_url?: string | null;
  branch_name?: string | null;
  current_step?: string | null;
  started_at?: Date;
  admitted_at?: Date | null;
  resume_step?: string | null;
}

/** A slug for the branch name: lower-case words of the description, at most 40 characters. */
export function branchSlug(text: string | undefined | null): string {
  const slug = (text ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'task';
}

/** The task created with an idempotency key, if any. */
export async function findByIdempotencyKey(db: Queryable, key: string): Promise<TaskRow | undefined> {
  const res = await db.query(`SELECT ${TASK_COLUMNS} FROM tasks WHERE idempotency_key = $1`, [key]);
  return res.rows[0] ? parseTaskRow(res.rows[0]) : undefined;
}

export async function getTask(db: Queryable, taskId: string): Promise<TaskRow | undefined> {
  const res = await db.query(`SELECT ${TASK_COLUMNS} FROM tasks WHERE task_id = $1`, [taskId]);
  return res.rows[0] ? parseTaskRow(res.rows[0]) : undefined;
}

/** Newest first; `before` is the last task id of the previous page. */
export async function listTasks(
  db: Queryable,
  q: {
    userId?: string;
    statuses?: TaskStatus[];
    repo?: string;
    channel?: Channel;
    limit: number;
    before?: string;
  },
): Promise<TaskRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (q.userId) add('user_id = ?', q.userId);
  if (q.statuses?.length) add('status = ANY(?)', q.statuses);
  if (q.repo) add('repo = ?', q.repo);
  if (q.channel) add('channel = ?', q.channel);
  if (q.before) add('task_id < ?', q.before);
  args.push(q.limit);
  const res = await db.query(
    `SELECT ${TASK_COLUMNS} FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY task_id DESC LIMIT $${args.length}`,
    args,
  );
  return res.rows.map(parseTaskRow);
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus | undefined,
    readonly to: TaskStatus,
  ) {
    super(`task ${taskId}: ${from ?? 'missing'} -> ${to} is not a valid transition`);
    this.name = 'InvalidTransitionError';
  }
}

/**
 * Moves a task to `to` only from a state that allows it (and, if given, only from one of `from`),
 * with a conditional UPDATE, and appends a `task.status_changed` event in the same transaction.
 * Returns the updated row, or undefined when the task was not in an allowed state (another actor
 * won the race, or the move is invalid): the caller decides whether that is an error.
 */
export async function transition(
  db: Db,
  taskId: string,
  to: TaskStatus,
  opts: {
    from?: TaskStatus[];
    patch?: TaskPatch;
    /** More about the change, for its `task.status_changed` event. */
    event?: Pick<TaskEventData<'task.status_changed'>, 'reason' | 'by'>;
  } = {},
): Promise<TaskRow | undefined> {
  const allowed = TASK_STATUSES.filter((s) => canTransition(s, to) && (!opts.from || opts.from.includes(s)));
  if (allowed.length === 0) return undefined;
  return withTx(db, async (tx) => {
    const cur = await tx.query<{ status: TaskStatus }>(
      'SELECT status FROM tasks WHERE task_id = $1 FOR UPDATE',
      [taskId],
    );
    const from = cur.rows[0]?.status;
    if (!from || !allowed.includes(from)) return undefined;
    const sets = ['status = $2', 'updated_at = clock_timestamp()'];
    const args: unknown[] = [taskId, to];
    if (isTerminal(to)) sets.push('completed_at = clock_timestamp()', 'current_step = NULL');
    for (const [col, value] of Object.entries(opts.patch ?? {})) {
      if (value === undefined) continue;
      args.push(columnValue(value));
      sets.push(`${col} = $${args.length}`);
    }
    const res = await tx.query(
      `UPDATE tasks SET ${sets.join(', ')} WHERE task_id = $1 RETURNING ${TASK_COLUMNS}`,
      args,
    );
    await appendEvent(tx, taskId, 'task.status_changed', {
      from,
      to,
      ...(opts.patch?.error ? { error: opts.patch.error } : {}),
      ...(opts.event ?? {}),
    });
    return parseTaskRow(res.rows[0]);
  });
}

/** Sets columns without a status change (current step, context, usage). */
export async function patchTask(db: Queryable, taskId: string, patch: TaskPatch): Promise<void> {
  const sets = ['updated_at = clock_timestamp()'];
  const args: unknown[] = [taskId];
  for (const [col, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    args.push(columnValue(value));
    sets.push(`${col} = $${args.length}`);
  }
  await db.query(`UPDATE tasks SET ${sets.join(', ')} WHERE task_id = $1`, args);
}

/**
 * Records usage reported by the agent runtime (absolute totals, so a re-run cannot double count).
 * `priced` false: the model has no price, so `costUsd` counts nothing for it; absent: unchanged.
 */
export async function setUsage(
  db: Queryable,
  taskId: string,
  usage: { inputTokens: number; outputTokens: number; costUsd: number; turns: number; priced?: boolean },
): Promise<void> {
  await db.query(
    `UPDATE tasks SET input_tokens = $2, output_tokens = $3, cost_usd = $4, turns = $5,
       priced = COALESCE($6, priced), updated_at = clock_timestamp()
     WHERE task_id = $1`,
    [taskId, usage.inputTokens, usage.outputTokens, usage.costUsd, usage.turns, usage.priced ?? null],
  );
}

/** Position (1-based) among tasks waiting for a slot, FIFO by submission. */
export async function queuePosition(db: Queryable, taskId: string): Promise<number | undefined> {
  const res = await db.query<{ pos: number }>(
    `SELECT count(*) AS pos FROM tasks w, tasks t
     WHERE t.task_id = $1 AND t.admitted_at IS NULL AND t.status IN ('SUBMITTED','QUEUED')
       AND w.admitted_at IS NULL AND w.status IN ('SUBMITTED','QUEUED')
       AND (w.created_at, w.task_id) <= (t.created_at, t.task_id)`,
    [taskId],
  );
  const pos = res.rows[0]?.pos ?? 0;
  return pos > 0 ? pos : undefined;
}

/** Status, owner and admission of the given tasks (a live list page's rows), in one query. */
export async function taskStates(
  db: Queryable,
  taskIds: string[],
): Promise<{ task_id: string; user_id: string; status: TaskStatus; admitted_at: Date | null }[]> {
  if (taskIds.length === 0) return [];
  const res = await db.query<{
    task_id: string;
    user_id: string;
    status: TaskStatus;
    admitted_at: Date | null;
  }>('SELECT task_id, user_id, status, admitted_at FROM tasks WHERE task_id = ANY($1)', [taskIds]);
  return res.rows;
}

/**
 * Positions (1-based, FIFO by submission) of those of `taskIds` that wait for a slot, in one query
 * over the waiting tasks (the `tasks_waiting` index): a list page asks for its rows at once.
 */
export async function queuePositions(db: Queryable, taskIds: string[]): Promise<Map<string, number>> {
  if (taskIds.length === 0) return new Map();
  const res = await db.query<{ task_id: string; pos: string }>(
    `SELECT task_id, pos FROM (
       SELECT task_id, row_number() OVER (ORDER BY created_at, task_id) AS pos FROM tasks
       WHERE admitted_at IS NULL AND status IN ('SUBMITTED','QUEUED')) w
     WHERE task_id = ANY($1)`,
    [taskIds],
  );
  return new Map(res.rows.map((r) => [r.task_id, Number(r.pos)]));
}

/** Mean duration of recent finished tasks in seconds, used for queue ETAs (600 s when unknown). */
export async function recentMeanDurationS(db: Queryable): Promise<number> {
  const res = await db.query<{ mean: number | null }>(
    `SELECT avg(extract(epoch FROM completed_at - started_at))::float8 AS mean FROM (
       SELECT completed_at, started_at FROM tasks WHERE status = 'COMPLETED' AND started_at IS NOT NULL
       ORDER BY completed_at DESC LIMIT 20) r`,
  );
  const mean = res.rows[0]?.mean;
  return mean && mean > 0 ? mean : 600;
}

/** A patch value as PostgreSQL stores it: objects as jsonb text, any text made storable. */
function columnValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? toJsonb(value) : value;
}
