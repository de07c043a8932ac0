import type { WebhookInfo, WebhookScheme } from '@abca/contracts';
import type { Queryable } from '../../storage/db.ts';

/** A webhook's row (migration 011's `webhooks`), its sealed secret included: never sent out. */
export interface WebhookRow {
  webhook_id: string;
  name: string;
  user_id: string;
  scheme: WebhookScheme;
  secret_sealed: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** What the API shows of a webhook: everything but the secret. */
export function toWebhookInfo(r: WebhookRow): WebhookInfo {
  return {
    webhook_id: r.webhook_id,
    name: r.name,
    user_id: r.user_id,
    scheme: r.scheme,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
    revoked_at: r.revoked_at?.toISOString() ?? null,
  };
}

const COLUMNS =
  'webhook_id, name, user_id, scheme, secret_sealed, created_by, created_at, last_used_at, revoked_at';

export async function insertWebhook(
  db: Queryable,
  input: {
    webhookId: string;
    name: string;
    userId: string;
    scheme: WebhookScheme;
    secretSealed: string;
    createdBy: string;
  },
): Promise<WebhookRow> {
  const res = await db.query<WebhookRow>(
    `INSERT INTO webhooks (webhook_id, name, user_id, scheme, secret_sealed, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [input.webhookId, input.name, input.userId, input.scheme, input.secretSealed, input.createdBy],
  );
  const row = res.rows[0];
  if (!row) throw new Error('the webhook was not inserted');
  return row;
}

export async function getWebhook(db: Queryable, webhookId: string): Promise<WebhookRow | undefined> {
  const res = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE webhook_id = $1`, [
    webhookId,
  ]);
  return res.rows[0];
}

/** Every webhook, revoked ones too, newest first. */
export async function listWebhooks(db: Queryable): Promise<WebhookRow[]> {
  const res = await db.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks ORDER BY created_at DESC, webhook_id DESC`,
  );
  return res.rows;
}

/** Revokes a webhook; the revoked row, undefined when it was already revoked (or is missing). */
export async function revokeWebhook(db: Queryable, webhookId: string): Promise<WebhookRow | undefined> {
  const res = await db.query<WebhookRow>(
    `UPDATE webhooks SET revoked_at = now() WHERE webhook_id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [webhookId],
  );
  return res.rows[0];
}

/** Records that a delivery signed with the webhook's secret arrived. */
export async function touchWebhook(db: Queryable, webhookId: string): Promise<void> {
  await db.query('UPDATE webhooks SET last_used_at = now() WHERE webhook_id = $1', [webhookId]);
}

export async function userExists(db: Queryable, userId: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM users WHERE user_id = $1', [userId]);
  return (res.rowCount ?? 0) > 0;
}

/** Active webhooks by the id of the key that sealed their secret (a start-up check). */
export async function countWebhookSecretsByKey(db: Queryable): Promise<Map<string, number>> {
  const res = await db.query<{ key_id: string | null; n: number }>(
    `SELECT secret_sealed::jsonb->>'key_id' AS key_id, count(*)::int AS n
     FROM webhooks WHERE revoked_at IS NULL GROUP BY 1`,
  );
  return new Map(res.rows.map((r) => [r.key_id ?? '(unreadable)', r.n]));
}
