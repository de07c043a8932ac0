import { CreateTaskRequest, CreateWebhookRequest, WebhookId } from '@abca/contracts';
import { type Context, Hono } from 'hono';
import { findDelivery, recordDelivery } from '../../channels/deliveries.ts';
import { submitTask } from '../../channels/gateway.ts';
import { limitSource, parseVerifiedJson, readRawBody } from '../../channels/ingress.ts';
import { verifyDelivery } from '../../channels/webhook/verify-delivery.ts';
import {
  getWebhook,
  listWebhooks,
  touchWebhook,
  toWebhookInfo,
} from '../../channels/webhook/webhook-store.ts';
import { AppError } from '../../ops/errors.ts';
import { createWebhookAs, revokeWebhookById } from '../actions/webhook-actions.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { validationError } from '../errors.ts';
import { toTaskDetail } from '../task-view.ts';
import { readBody, readParam } from '../validate.ts';

/**
 * Signed generic webhooks, administered with an admin API key (docs/channels.md, "Signed
 * webhooks"): `POST /v1/webhooks` shows the secret once; list and show never do; `DELETE` revokes.
 */
export function webhookRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    requireAdmin(c);
    const body = await readBody(c, CreateWebhookRequest);
    return c.json({ data: await createWebhookAs(deps, c.get('log'), c.get('principal'), body) }, 201);
  });
  app.get('/', async (c) => {
    requireAdmin(c);
    const rows = await listWebhooks(deps.db);
    return c.json({ data: rows.map(toWebhookInfo), pagination: { next_token: null, has_more: false } });
  });
  app.get('/:id', async (c) => {
    requireAdmin(c);
    const webhookId = readParam(c.req.param('id'), WebhookId, 'webhook_id');
    const row = await getWebhook(deps.db, webhookId);
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND', `No webhook ${webhookId}.`);
    return c.json({ data: toWebhookInfo(row) });
  });
  app.delete('/:id', async (c) => {
    requireAdmin(c);
    const webhookId = readParam(c.req.param('id'), WebhookId, 'webhook_id');
    return c.json({ data: await revokeWebhookById(deps, c.get('log'), webhookId) });
  });
  return app;
}

/**
 * `POST /v1/webhooks/tasks` and `POST /v1/webhooks/{webhook_id}/tasks`: a task from a signed
 * delivery, no API key (mounted before the key check). The signature is checked over the raw bytes
 * before anything parses them; then the webhook's allowance (429), a replayed message id (409),
 * the body as a `CreateTaskRequest` (400), and the input gateway as the webhook's user.
 */
export function signedWebhookRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.post('/tasks', (c) => deliver(deps, c, undefined));
  app.post('/:id/tasks', (c) => deliver(deps, c, c.req.param('id')));
  return app;
}

async function deliver(deps: ApiDeps, c: Context<AppEnv>, pathWebhookId: string | undefined) {
  const bytes = await readRawBody(c);
  const { webhook, messageId } = await verifyDelivery(
    {
      db: deps.db,
      log: c.get('log'),
      secrets: deps.webhookSecrets,
      toleranceS: deps.config.channels.webhookToleranceS,
    },
    {
      pathWebhookId,
      header: (name) => c.req.header(name),
      body: bytes,
      nowS: Math.floor(Date.now() / 1000),
    },
  );
  const log = c.get('log').child({ webhookId: webhook.webhook_id, messageId });
  c.set('log', log);
  await touchWebhook(deps.db, webhook.webhook_id);
  limitSource(deps.channelLimiter, `webhook:${webhook.webhook_id}`);
  const source = `webhook:${webhook.webhook_id}`;
  const seen = await findDelivery(deps.db, source, messageId);
  if (seen) throw replayed(messageId, seen.taskId);

  const value = parseVerifiedJson(bytes);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new AppError(
      'VALIDATION_ERROR',
      'The body must be a JSON object (a task, as POST /v1/tasks takes).',
      {
        details: [{ field: '(body)', message: 'must be a JSON object' }],
      },
    );
  const parsed = CreateTaskRequest.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);

  const result = await submitTask(deps, {
    userId: webhook.user_id,
    body: parsed.data,
    idempotencyKey: `webhook:${webhook.webhook_id}:${messageId}`,
    channelRef: { channel: 'webhook', webhook_id: webhook.webhook_id, delivery_id: messageId },
  });
  // The task's idempotency key made the task once, even for two copies racing each other; the
  // delivery is remembered for the replays that come later.
  await recordDelivery(deps.db, {
    source,
    deliveryId: messageId,
    outcome: 'task_created',
    taskId: result.task.task_id,
  });
  if (result.kind === 'replay') throw replayed(messageId, result.task.task_id);
  c.header('Location', `/v1/tasks/${result.task.task_id}`);
  const { warnings } = result;
  return c.json({ data: toTaskDetail(result.task), ...(warnings.length ? { warnings } : {}) }, 201);
}

function replayed(messageId: string, taskId: string | null): AppError {
  return new AppError(
    'DELIVERY_REPLAYED',
    `Message ${messageId} was delivered before${taskId ? ` (task ${taskId})` : ''}: nothing was created. Send a new message id for a new task.`,
    {
      details: [
        { field: 'webhook-id', message: taskId ? `already made task ${taskId}` : 'already delivered' },
      ],
    },
  );
}
