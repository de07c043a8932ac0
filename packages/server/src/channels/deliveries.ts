import type { Queryable } from '../storage/db.ts';

/**
 * Deliveries a channel accepted, by source and id (migration 011): GitHub's `X-GitHub-Delivery`,
 * Slack's `event_id`, a webhook's message id. A delivery seen twice is answered from here and
 * does nothing again. Tasks are deduplicated by their idempotency key (channels/gateway.ts), in
 * the same transaction that creates them; this table records every other outcome too (ignored,
 * replied), so a repeated delivery never replies twice.
 */
export interface DeliveryRecord {
  source: string;
  deliveryId: string;
  outcome: string;
  taskId: string | null;
  receivedAt: Date;
}

/**
 * Records a delivery; returns the earlier record instead when the same source and id was seen
 * before (nothing is changed then).
 */
export async function recordDelivery(
  db: Queryable,
  input: { source: string; deliveryId: string; outcome: string; taskId?: string },
): Promise<{ first: true } | { first: false; earlier: DeliveryRecord }> {
  const res = await db.query(
    `INSERT INTO channel_deliveries (source, delivery_id, outcome, task_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (source, delivery_id) DO NOTHING RETURNING delivery_id`,
    [input.source, input.deliveryId, input.outcome, input.taskId ?? null],
  );
  if (res.rowCount) return { first: true };
  const earlier = await findDelivery(db, input.source, input.deliveryId);
  if (!earlier) return { first: true };
  return { first: false, earlier };
}

export async function findDelivery(
  db: Queryable,
  source: string,
  deliveryId: string,
): Promise<DeliveryRecord | undefined> {
  const res = await db.query<{ outcome: string; task_id: string | null; received_at: Date }>(
    'SELECT outcome, task_id, received_at FROM channel_deliveries WHERE source = $1 AND delivery_id = $2',
    [source, deliveryId],
  );
  const row = res.rows[0];
  return row
    ? { source, deliveryId, outcome: row.outcome, taskId: row.task_id, receivedAt: row.received_at }
    : undefined;
}

/** Forgets deliveries older than `olderThanS` seconds (replays that old are refused by their timestamp). */
export async function pruneDeliveries(db: Queryable, olderThanS: number): Promise<number> {
  const res = await db.query(
    `DELETE FROM channel_deliveries WHERE received_at < now() - make_interval(secs => $1)`,
    [olderThanS],
  );
  return res.rowCount ?? 0;
}
