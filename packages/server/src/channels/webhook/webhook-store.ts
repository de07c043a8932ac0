import { type WebhookInfo, WebhookScheme } from '@abca/contracts';
import { z } from 'zod';
import type { Queryable } from '../../storage/db.ts';

/** A webhook's row (migration 011's `webhooks`), its sealed secret included: never sent out. */
const WebhookRowSchema = z.object({
  webhook_id: z.string(),
  name: z.string(),
  user_id: z.string(),
  scheme: WebhookScheme,
  secret_sealed: z.string(),
  created_by: z.string(),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
});
export type WebhookRow = z.infer<typeof WebhookRowSchema>;

/** Rows are read back through their schema: a row that drifted fails here, not in a handler. */
function rowsOf(rows: unknown[]): WebhookRow[] {
  return rows.map((r) => WebhookRowSchema.parse(r));
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
  const res = await db.query(
    `INSERT INTO webhooks (webhook_id, name, user_id, scheme, secret_sealed, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [input.webhookId, input.name, input.userId, input.scheme, input.secretSealed, input.createdBy],
  );
  const [row] = rowsOf(res.rows);
  if (!row) throw new Error('the webhook was not inserted');
  return row;
}

export async function getWebhook(db: Queryable, webhookId: string): Promise<WebhookRow | undefined> {
  const res = await db.query(`SELECT ${COLUMNS} FROM webhooks WHERE webhook_id = $1`, [webhookId]);
  return rowsOf(res.rows)[0];
}

/** Every webhook, revoked ones too, newest first. */
export async function listWebhooks(db: Queryable): Promise<WebhookRow[]> {
  const res = await db.query(`SELECT ${COLUMNS} FROM webhooks ORDER BY created_at DESC, webhook_id DESC`);
  return rowsOf(res.rows);
}

/** Revokes a webhook; the revoked row, undefined when it was already revoked (or is missing). */
export async function revokeWebhook(db: Queryable, webhookId: string): Promise<WebhookRow | undefined> {
  const res = await db.query(
    `UPDATE webhooks SET revoked_at = now() WHERE webhook_id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [webhookId],
  );
  return rowsOf(res.rows)[0];
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
  const res = await db.query<{ secret_sealed: string }>(
    'SELECT secret_sealed FROM webhooks WHERE revoked_at IS NULL',
  );
  const counts = new Map<string, number>();
  for (const r of res.rows) {
    // Parsed here, not in SQL: one altered row must not stop the start.
    let keyId = '(unreadable)';
    try {
      const parsed = SealedKeyId.safeParse(JSON.parse(r.secret_sealed));
      if (parsed.success) keyId = parsed.data.key_id;
    } catch {
      // stays unreadable
    }
    counts.set(keyId, (counts.get(keyId) ?? 0) + 1);
  }
  return counts;
}

const SealedKeyId = z.object({ key_id: z.string() });
