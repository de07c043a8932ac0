import type { CreatedWebhook, CreateWebhookRequest, WebhookInfo } from '@abca/contracts';
import { newWebhookSecret } from '../../channels/webhook/webhook-secret.ts';
import {
  getWebhook,
  insertWebhook,
  revokeWebhook,
  toWebhookInfo,
  userExists,
} from '../../channels/webhook/webhook-store.ts';
import { AppError } from '../../ops/errors.ts';
import { newUlid } from '../../ops/ids.ts';
import type { Logger } from '../../ops/logger.ts';
import type { Principal } from '../../store/api-key-store.ts';
import type { ApiDeps } from '../deps.ts';

/**
 * Signed generic webhooks, whoever asks (`/v1/webhooks` and the dashboard's admin page; the caller
 * checked the principal is an admin): creating one shows its secret once; revoking keeps the row.
 */
export type WebhookDeps = Pick<ApiDeps, 'db' | 'webhookSecrets'>;

export async function createWebhookAs(
  deps: WebhookDeps,
  log: Logger,
  p: Principal,
  body: CreateWebhookRequest,
): Promise<CreatedWebhook> {
  const userId = body.user_id ?? p.userId;
  if (!(await userExists(deps.db, userId)))
    throw new AppError(
      'USER_NOT_FOUND',
      `No user ${userId}: create the user first (\`abca keys create <name> --user ${userId}\`).`,
      { details: [{ field: 'user_id', message: 'no such user' }] },
    );
  const webhookId = `wh_${newUlid()}`;
  const secret = newWebhookSecret(body.scheme);
  const row = await insertWebhook(deps.db, {
    webhookId,
    name: body.name,
    userId,
    scheme: body.scheme,
    secretSealed: deps.webhookSecrets.seal(webhookId, body.scheme, secret),
    createdBy: p.userId,
  });
  log.info({ webhookId, userId, scheme: body.scheme }, 'webhook created');
  return { ...toWebhookInfo(row), secret };
}

export async function revokeWebhookById(
  deps: Pick<ApiDeps, 'db'>,
  log: Logger,
  webhookId: string,
): Promise<WebhookInfo> {
  const row = await getWebhook(deps.db, webhookId);
  if (!row) throw new AppError('WEBHOOK_NOT_FOUND', `No webhook ${webhookId}.`);
  const revoked = await revokeWebhook(deps.db, webhookId);
  if (!revoked) throw new AppError('VALIDATION_ERROR', `Webhook ${webhookId} is already revoked.`);
  log.info({ webhookId }, 'webhook revoked');
  return toWebhookInfo(revoked);
}
