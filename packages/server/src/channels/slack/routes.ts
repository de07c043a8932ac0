import { Hono } from 'hono';
import type { ApiDeps, AppEnv } from '../../api/deps.ts';
import { AppError } from '../../ops/errors.ts';
import { findDelivery, recordDelivery } from '../deliveries.ts';
import { limitSource, parseVerifiedJson, verifiedText } from '../ingress.ts';
import { handleDenySubmission } from './approval-actions.ts';
import { createSlackClient } from './client.ts';
import { runCommand } from './commands.ts';
import { handleEvent } from './events.ts';
import { openViewLater, replyLater, type SlackIngressDeps } from './ingress-deps.ts';
import { handleBlockActions } from './interactions.ts';
import {
  BlockActions,
  EventCallback,
  EventEnvelope,
  InteractionEnvelope,
  SlashCommand,
  UrlVerification,
  ViewSubmission,
} from './payloads.ts';
import { formFields, parsePayload, readSlackRequest } from './request.ts';

/**
 * Slack's three request URLs (docs/channels.md), mounted at `/webhooks/slack`: the Events API
 * (`/events`: the URL check, mentions, thread replies), the `/abca` slash command (`/commands`) and
 * interactivity (`/interactions`: the Cancel, Approve and Deny buttons, the Deny form). Each checks the v0 signature over the raw
 * bytes before parsing, is rate limited per team, and answers at once: replies in Slack are sent
 * after the answer, never waited on.
 */
export function slackRoutes(api: ApiDeps) {
  const app = new Hono<AppEnv>();
  const cfg = api.config.channels;
  const deps: SlackIngressDeps = {
    db: api.db,
    log: api.log,
    orchestrator: api.orchestrator,
    config: api.config,
    channelLimiter: api.channelLimiter,
    slack: cfg.slack.botToken
      ? createSlackClient({ token: cfg.slack.botToken, apiUrl: cfg.slack.apiUrl, log: api.log })
      : undefined,
  };

  app.post('/events', async (c) => {
    const value = parseVerifiedJson(await readSlackRequest(c, cfg, api.channelLimiter));
    const envelope = parsePayload(EventEnvelope, value);
    if (envelope.type === 'url_verification') {
      const { challenge } = parsePayload(UrlVerification, value);
      return c.json({ challenge });
    }
    if (envelope.type !== 'event_callback') {
      c.get('log').info({ type: envelope.type }, 'slack request ignored: not a type ABCA handles');
      return c.json({ ok: true, outcome: 'ignored' }, 202);
    }
    const cb = parsePayload(EventCallback, value);
    limitSource(api.channelLimiter, `slack:${cb.team_id}`);
    const earlier = await findDelivery(api.db, 'slack', cb.event_id);
    if (earlier) {
      // Slack's own retry (it missed our answer): answered as before, so it stops retrying.
      if (c.req.header('x-slack-retry-num'))
        return c.json({ ok: true, outcome: earlier.outcome, duplicate: true });
      throw new AppError(
        'DELIVERY_REPLAYED',
        `Event ${cb.event_id} was already delivered; it is not handled twice.`,
      );
    }
    const result = await handleEvent(deps, cb);
    const recorded = await recordDelivery(api.db, {
      source: 'slack',
      deliveryId: cb.event_id,
      outcome: result.outcome,
      ...(result.taskId ? { taskId: result.taskId } : {}),
    });
    // Two copies of one event at once: only the first recorded replies.
    if (recorded.first) {
      if (result.reply) replyLater(deps, result.reply, result.reply.text);
      if (result.react && deps.slack) {
        const slack = deps.slack;
        const r = result.react;
        setImmediate(() => {
          slack.reactions
            .add({ channel: r.channel, timestamp: r.ts, name: r.name })
            .catch((err: unknown) => api.log.warn({ err: (err as Error).message }, 'slack reaction failed'));
        });
      }
    }
    return c.json({ ok: true, outcome: result.outcome }, result.status);
  });

  app.post('/commands', async (c) => {
    const fields = formFields(verifiedText(await readSlackRequest(c, cfg, api.channelLimiter)));
    const cmd = parsePayload(SlashCommand, fields);
    limitSource(api.channelLimiter, `slack:${cmd.team_id}`);
    return c.json({ response_type: 'ephemeral', text: await runCommand(deps, cmd) });
  });

  app.post('/interactions', async (c) => {
    const fields = formFields(verifiedText(await readSlackRequest(c, cfg, api.channelLimiter)));
    if (fields.payload === undefined)
      throw new AppError(
        'VALIDATION_ERROR',
        'An interaction is form-encoded as `payload=<json>`; there is no payload.',
        {
          details: [{ field: 'payload', message: 'missing' }],
        },
      );
    const value = parseVerifiedJson(new TextEncoder().encode(fields.payload));
    const envelope = parsePayload(InteractionEnvelope, value);
    if (envelope.type === 'view_submission') {
      const submitted = parsePayload(ViewSubmission, value);
      limitSource(api.channelLimiter, `slack:${submitted.team?.id ?? submitted.user.team_id ?? 'unknown'}`);
      const result = await handleDenySubmission(deps, submitted);
      // Errors keep the modal open with the message under the field; an empty 200 closes it.
      if (result.errors) return c.json({ response_action: 'errors', errors: result.errors });
      if (result.reply) replyLater(deps, result.reply, result.reply.text);
      return c.body(null, 200);
    }
    if (envelope.type !== 'block_actions') {
      c.get('log').info({ type: envelope.type }, 'slack interaction ignored: not a type ABCA handles');
      return c.body(null, 200);
    }
    const actions = parsePayload(BlockActions, value);
    limitSource(api.channelLimiter, `slack:${actions.team?.id ?? actions.user.team_id ?? 'unknown'}`);
    const result = await handleBlockActions(deps, actions);
    if (result.reply) replyLater(deps, result.reply, result.reply.text);
    if (result.openView) {
      const channel = actions.container?.channel_id ?? actions.channel?.id;
      openViewLater(deps, result.openView, channel ? { channel, user: actions.user.id } : undefined);
    }
    return c.body(null, 200);
  });

  return app;
}
