import type { TaskEvent } from '@abca/contracts';
import { INTAKE_LIMITS } from '../config/intake-limits.ts';
import type { Queryable } from '../storage/db.ts';
import { boundEventData } from './bound-event-data.ts';

/**
 * Appends one event to a task's log. The sequence number comes from a counter on the task row,
 * so it is gap-free and ordered per task even with several writers. Its data is cut to
 * `INTAKE_LIMITS.eventBytes` of JSON (it carries outside text).
 */
export async function appendEvent(
  db: Queryable,
  taskId: string,
  type: string,
  data: Record<string, unknown> = {},
): Promise<number> {
  const res = await db.query<{ seq: number }>(
    `WITH s AS (UPDATE tasks SET event_seq = event_seq + 1 WHERE task_id = $1 RETURNING event_seq)
     INSERT INTO task_events (task_id, seq, type, data) SELECT $1, s.event_seq, $2, $3 FROM s RETURNING seq`,
    [taskId, type, JSON.stringify(boundEventData(data, INTAKE_LIMITS.eventBytes))],
  );
  return res.rows[0]?.seq ?? 0;
}

export async function listEvents(
  db: Queryable,
  taskId: string,
  opts: { after: number; limit: number },
): Promise<TaskEvent[]> {
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
