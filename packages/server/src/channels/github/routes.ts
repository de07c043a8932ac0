import { Hono } from 'hono';
import type { ApiDeps, AppEnv } from '../../api/deps.ts';
import { validationError } from '../../api/errors.ts';
import { AppError } from '../../ops/errors.ts';
import { limitSource, parseVerifiedJson, readRawBody, verifiedText } from '../ingress.ts';
import { createGitHubChannelApi, type GitHubChannelApi } from './github-api.ts';
import { handleGitHubEvent } from './handle-delivery.ts';
import { DeliveryId, EventName, IssueCommentPayload, IssuesPayload, SourcePayload } from './payloads.ts';
import { nudgeFromDelivery, PR_ACTIVITY_EVENTS, prActivityTarget } from './pr-activity.ts';
import { verifyGitHubSignature } from './signature.ts';
import type { GitHubEvent } from './triggers.ts';

/**
 * `POST /webhooks/github` (docs/channels.md "GitHub"): a GitHub App's (or a repo webhook's)
 * deliveries. The signature is checked over the raw bytes before anything is parsed; then the
 * delivery is rate limited per installation (or repo), deduplicated by `X-GitHub-Delivery`, and
 * handed to the triggers (handle-delivery.ts).
 */
export function githubWebhookRoutes(deps: ApiDeps, opts: { api?: GitHubChannelApi } = {}) {
  const app = new Hono<AppEnv>();
  // GitHub waits 10 s for an answer: the ingress's own calls retry little and time out soon.
  const api =
    opts.api ??
    createGitHubChannelApi({
      github: deps.config.github,
      retry: { retries: 1, baseDelayMs: 250, maxWaitMs: 1_000, timeoutMs: 4_000 },
    });
  const settings = deps.config.channels.github;
  app.post('/', async (c) => {
    const secret = settings.webhookSecret;
    if (!secret)
      throw new AppError(
        'CHANNEL_NOT_CONFIGURED',
        'GitHub deliveries are not configured on this server: an operator sets ABCA_GITHUB_WEBHOOK_SECRET (docs/channels.md).',
      );
    const bytes = await readRawBody(c);
    if (!(await verifyGitHubSignature(secret, bytes, c.req.header('x-hub-signature-256'))))
      throw new AppError(
        'SIGNATURE_INVALID',
        'X-Hub-Signature-256 is missing or does not match the body: check that the webhook secret is ABCA_GITHUB_WEBHOOK_SECRET.',
      );
    const event = EventName.safeParse(c.req.header('x-github-event') ?? '');
    if (!event.success) throw validationError(event.error, 'X-GitHub-Event');
    const delivery = DeliveryId.safeParse(c.req.header('x-github-delivery') ?? '');
    if (!delivery.success) throw validationError(delivery.error, 'X-GitHub-Delivery');
    const deliveryId = delivery.data;
    const json = parseVerifiedJson(jsonBytes(bytes, c.req.header('content-type')));
    const source = SourcePayload.safeParse(json);
    if (!source.success) throw validationError(source.error);
    const installation = source.data.installation?.id;
    const repoName = source.data.repository?.full_name.toLowerCase();
    limitSource(
      deps.channelLimiter,
      installation !== undefined ? `github:installation:${installation}` : `github:repo:${repoName ?? '-'}`,
    );
    const log = c.get('log');
    if (event.data === 'ping') return c.json({ data: { delivery_id: deliveryId, outcome: 'pong' } }, 200);
    let parsed: GitHubEvent;
    if (event.data === 'issues') {
      const p = IssuesPayload.safeParse(json);
      if (!p.success) throw validationError(p.error);
      parsed = { event: 'issues', payload: p.data };
    } else if (event.data === 'issue_comment') {
      const p = IssueCommentPayload.safeParse(json);
      if (!p.success) throw validationError(p.error);
      parsed = { event: 'issue_comment', payload: p.data };
    } else if (PR_ACTIVITY_EVENTS.has(event.data)) {
      // The PR watcher's events: a hint that marks the watch due; the watcher reads GitHub itself.
      const target = prActivityTarget(event.data, json);
      if (!target.success) throw validationError(target.error);
      const t = target.data;
      const { nudged } = t.kind === 'target' ? await nudgeFromDelivery(deps.db, log, t) : { nudged: [] };
      const reason = t.kind === 'ignore' ? t.reason : 'not a pull request ABCA opened';
      return c.json(
        {
          data: {
            delivery_id: deliveryId,
            ...(nudged.length
              ? { outcome: 'watcher', pull_requests: nudged }
              : { outcome: 'ignored', reason }),
          },
        },
        202,
      );
    } else {
      const reason = `${event.data} is not an event ABCA handles`;
      log.info({ deliveryId, event: event.data }, 'GitHub delivery ignored: event not handled');
      return c.json({ data: { delivery_id: deliveryId, outcome: 'ignored', reason } }, 202);
    }
    const answer = await handleGitHubEvent(
      {
        db: deps.db,
        log: deps.log,
        orchestrator: deps.orchestrator,
        config: deps.config,
        api,
        botLogin: settings.botLogin,
        unlinkedUser: settings.unlinkedUser,
      },
      log,
      deliveryId,
      parsed,
    );
    return c.json(
      {
        data: {
          delivery_id: deliveryId,
          outcome: answer.outcome,
          ...(answer.taskId ? { task_id: answer.taskId } : {}),
          ...(answer.reason ? { reason: answer.reason } : {}),
          ...(answer.replayed ? { replayed: true } : {}),
        },
      },
      answer.status,
    );
  });
  return app;
}

/**
 * The JSON of a delivery: the body itself (`application/json`), or its `payload` field when the
 * repo webhook was set to `application/x-www-form-urlencoded` (the signature covers the form body).
 */
function jsonBytes(bytes: Uint8Array, contentType: string | undefined): Uint8Array {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return bytes;
  const payload = new URLSearchParams(verifiedText(bytes)).get('payload');
  if (payload === null)
    throw new AppError('VALIDATION_ERROR', 'A form-encoded delivery must carry its JSON in `payload`.', {
      details: [{ field: 'payload', message: 'missing' }],
    });
  return new TextEncoder().encode(payload);
}
