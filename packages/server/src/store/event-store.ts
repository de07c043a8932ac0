import {
  checkTaskEvent,
  type TaskEventData,
  type TaskEventRecord,
  type TaskEventType,
} from '@abca/contracts';
import { INTAKE_LIMITS } from '../config/intake-limits.ts';
import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';
import { boundEventData } from './bound-event-data.ts';
import { reportEventContractViolation } from './event-contract.ts';

/**
 * Appends one event to a task's log. The sequence number comes from a counter on the task row,
 * so it is gap-free and ordered per task even with several writers. Its data is cut to
 * `INTAKE_LIMITS.eventBytes` of JSON (it carries outside text), then checked against its type's
 * contract schema: the type makes a wrong payload a compile error, the check catches what the
 * types cannot see (data built at run time) and reports it (see `event-contract.ts`).
 */
export async function appendEvent<T extends TaskEventType>(
  db: Queryable,
  taskId: string,
  type: T,
  payload: TaskEventData<T>,
  /** Given, the task's `current_step` becomes this in the same statement (a step's start). */
  opts: { currentStep?: string } = {},
): Promise<number> {
  const data = eventData(taskId, type, payload);
  const step = opts.currentStep !== undefined;
  const res = await db.query<{ seq: number }>(
    `WITH s AS (UPDATE tasks SET event_seq = event_seq + 1${step ? ', current_step = $4, updated_at = clock_timestamp()' : ''}
                WHERE task_id = $1 RETURNING event_seq)
     INSERT INTO task_events (task_id, seq, type, data) SELECT $1, s.event_seq, $2, $3 FROM s RETURNING seq`,
    step ? [taskId, type, toJsonb(data), opts.currentStep] : [taskId, type, toJsonb(data)],
  );
  return res.rows[0]?.seq ?? 0;
}

/**
 * An event's data as it is stored: cut to `INTAKE_LIMITS.eventBytes` of JSON and checked against
 * its type's contract (a violation is reported, not thrown). For a writer that inserts the event
 * row in its own statement (task-store.ts: a task and its first event in one statement).
 */
export function eventData<T extends TaskEventType>(
  taskId: string,
  type: T,
  payload: TaskEventData<T>,
): Record<string, unknown> {
  const data = boundEventData(payload as Record<string, unknown>, INTAKE_LIMITS.eventBytes);
  const problem = checkTaskEvent(type, data);
  if (problem) reportEventContractViolation({ taskId, type, problem, data });
  return data;
}

/** Appends one typed event to a task's log (bound to the task). */
export type EmitEvent = <T extends TaskEventType>(type: T, data: TaskEventData<T>) => Promise<void>;

/** The log as stored: old rows and every type, as they are (clients parse what they know). */
export async function listEvents(
  db: Queryable,
  taskId: string,
  opts: { after: number; limit: number },
): Promise<TaskEventRecord[]> {
  const res = await db.query<{
    task_id: string;
    seq: number;
    type: string;
    data: Record<string, unknown>;
    at: Date;
  }>(
    'SELECT task_id, seq, type, data, at FROM task_events WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [taskId, opts.after, opts.limit],
  );
  return res.rows.map((r) => ({
    task_id: r.task_id,
    seq: r.seq,
    type: r.type,
    data: r.data,
    at: r.at.toISOString(),
  }));
}
