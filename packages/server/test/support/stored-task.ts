import type { ChannelRef, CreateTaskRequest } from '@abca/contracts';
import type { Db } from '../../src/storage/db.ts';
import { toJsonb } from '../../src/storage/storable.ts';
import { newTask } from '../../src/store/task-creations.ts';
import { parseTaskRow, TASK_COLUMNS, type TaskRow } from '../../src/store/task-row.ts';
import { findByIdempotencyKey } from '../../src/store/task-store.ts';

export type CreateTaskResult =
  | { kind: 'created'; task: TaskRow }
  | { kind: 'replay'; task: TaskRow }
  | { kind: 'conflict' };

/**
 * Stores a task in `SUBMITTED` with its first event (`task.created`), the way a creation derives
 * them (`newTask`: its id, branch and event), but without the repo's checks, the budgets and
 * admission: for tests that need a task row under their own control (the platform's creations go
 * through `store/task-creations.ts`). With an idempotency key, a second task by the same user
 * answers the stored one (`replay`), by another user `conflict`.
 */
export async function createTask(
  db: Db,
  input: CreateTaskRequest & {
    user_id: string;
    max_turns: number;
    idempotency_key?: string;
    channel_ref?: ChannelRef;
  },
): Promise<CreateTaskResult> {
  const { item } = newTask({
    body: input,
    userId: input.user_id,
    defaultMaxTurns: input.max_turns,
    ...(input.idempotency_key ? { idempotencyKey: input.idempotency_key } : {}),
    ...(input.channel_ref ? { channelRef: input.channel_ref } : {}),
  });
  const channelRef = item.channel_ref as ChannelRef | undefined;
  try {
    // The event row reads the task row's `event_seq` (1) the way appendEvent does, in the same statement.
    const res = await db.query({
      text: `WITH t AS (
         INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, task_description, issue_number, pr_number,
                            max_turns, max_budget_usd, idempotency_key, branch_name, channel, channel_ref, memory, event_seq)
         VALUES ($1, $2, $3, 'SUBMITTED', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING ${TASK_COLUMNS}, event_seq),
       e AS (INSERT INTO task_events (task_id, seq, type, data) SELECT task_id, event_seq, 'task.created', $15::jsonb FROM t)
       SELECT ${TASK_COLUMNS} FROM t`,
      values: [
        item.task_id,
        input.user_id,
        input.repo,
        item.workflow_ref,
        input.task_description ?? null,
        input.issue_number ?? null,
        input.pr_number ?? null,
        input.max_turns,
        input.max_budget_usd ?? null,
        input.idempotency_key ?? null,
        item.branch_name,
        item.channel,
        channelRef ? JSON.stringify(channelRef) : null,
        input.memory ?? null,
        toJsonb(item.created_event),
      ],
    });
    return { kind: 'created', task: parseTaskRow(res.rows[0]) };
  } catch (err) {
    if ((err as { code?: string }).code === '23505' && input.idempotency_key) {
      const existing = await findByIdempotencyKey(db, input.idempotency_key);
      if (existing)
        return existing.user_id === input.user_id ? { kind: 'replay', task: existing } : { kind: 'conflict' };
    }
    throw err;
  }
}
