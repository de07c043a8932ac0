import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, slackSignature, startFakeSlack } from '../src/index.ts';

/**
 * The fake Slack against Slack's own Web API client (`@slack/web-api`, the client ABCA uses): the
 * answers have Slack's shapes, the token is checked, errors are Slack's codes, and the faults a
 * crash test needs work. Its sender signs like Slack.
 */
let slack: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: 'fake-slack-signing-secret-01' });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  slack.addUser({ id: 'U0ALICE01', name: 'alice' });
});
afterAll(async () => {
  await slack?.close();
});

describe('the fake Slack Web API', () => {
  it('checks the bot token', async () => {
    const stranger = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    const res = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(await client.auth.test()).toMatchObject({
      ok: true,
      user_id: slack.botUserId,
      team_id: slack.teamId,
    });
    expect(JSON.stringify(slack.calls)).not.toContain(slack.botToken);
  });

  it('posts into a thread, updates in place, and shows metadata only when asked', async () => {
    const parent = slack.userPost('C0TEST001', 'U0ALICE01', 'hello');
    const posted = await client.chat.postMessage({
      channel: 'C0TEST001',
      thread_ts: parent.ts,
      text: 'first',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*first*' } }],
      metadata: { event_type: 'abca_task', event_payload: { task_id: 'T1' } },
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: 'C0TEST001',
      message: { text: 'first', thread_ts: parent.ts },
    });
    const updated = await client.chat.update({
      channel: 'C0TEST001',
      ts: posted.ts as string,
      text: 'second',
    });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'second' });
    const plain = await client.conversations.replies({ channel: 'C0TEST001', ts: parent.ts });
    expect(plain.messages?.map((m) => m.text)).toEqual(['hello', 'second']);
    expect(plain.messages?.[1]?.metadata).toBeUndefined();
    const withMeta = await client.conversations.replies({
      channel: 'C0TEST001',
      ts: parent.ts,
      include_all_metadata: true,
    });
    expect(withMeta.messages?.[1]?.metadata).toEqual({
      event_type: 'abca_task',
      event_payload: { task_id: 'T1' },
    });
    expect(slack.botReplies('C0TEST001', parent.ts)).toHaveLength(1);
    await expect(
      client.chat.update({ channel: 'C0TEST001', ts: parent.ts, text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
    await expect(
      client.chat.update({ channel: 'C0TEST001', ts: '1.000001', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(client.conversations.replies({ channel: 'C0NOPE', ts: parent.ts })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it("answers a repeated reaction with Slack's already_reacted", async () => {
    const m = slack.userPost('C0TEST001', 'U0ALICE01', 'react to me');
    await client.reactions.add({ channel: 'C0TEST001', timestamp: m.ts, name: 'eyes' });
    await expect(
      client.reactions.add({ channel: 'C0TEST001', timestamp: m.ts, name: 'eyes' }),
    ).rejects.toMatchObject({
      data: { ok: false, error: 'already_reacted' },
    });
    expect(slack.reactionsOn('C0TEST001', m.ts)).toEqual(['eyes']);
  });

  it('posts ephemeral messages apart from the history, and knows its users', async () => {
    const res = await client.chat.postEphemeral({
      channel: 'C0TEST002',
      user: 'U0ALICE01',
      text: 'only you',
    });
    expect(res.ok).toBe(true);
    expect(slack.ephemeral.at(-1)).toMatchObject({
      channel: 'C0TEST002',
      user: 'U0ALICE01',
      text: 'only you',
    });
    expect((await client.users.info({ user: 'U0ALICE01' })).user).toMatchObject({
      id: 'U0ALICE01',
      name: 'alice',
      is_bot: false,
    });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
  });

  it('fails and holds calls on demand: a held post is in the thread before its answer', async () => {
    const parent = slack.userPost('C0TEST003', 'U0ALICE01', 'thread');
    slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfterS: 3 });
    const limited = new WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    await expect(
      limited.chat.postMessage({ channel: 'C0TEST003', thread_ts: parent.ts, text: 'x' }),
    ).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 3,
    });
    slack.holdNext('chat.postMessage', { afterEffect: true });
    const pending = client.chat.postMessage({ channel: 'C0TEST003', thread_ts: parent.ts, text: 'held' });
    expect(await slack.whenHeld()).toBe('chat.postMessage');
    expect(slack.botReplies('C0TEST003', parent.ts).map((m) => m.text)).toEqual(['held']);
    slack.releaseHeld();
    expect(await pending).toMatchObject({ ok: true });
  });
});

describe('the fake Slack modals', () => {
  it('opens one modal per trigger, checks the view, and submits it as Slack does', async () => {
    const got: string[] = [];
    const abca = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => abca.listen(0, '127.0.0.1', r));
    try {
      const send = slack.sender(`http://127.0.0.1:${(abca.address() as AddressInfo).port}`);
      const click = await send.blockAction('U0ALICE01', {
        actionId: 'abca_deny',
        value: 'T:A',
        channel: 'C0TEST005',
        messageTs: '1.000001',
        text: 'Deny',
      });
      const view = {
        type: 'modal' as const,
        callback_id: 'abca_deny_reason',
        private_metadata: '{"task_id":"T"}',
        title: { type: 'plain_text' as const, text: 'Deny the request' },
        submit: { type: 'plain_text' as const, text: 'Deny' },
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: { type: 'plain_text', text: 'Why?' },
            element: { type: 'plain_text_input', action_id: 'reason', multiline: true },
          },
        ],
      };
      await expect(client.views.open({ trigger_id: 'nope', view })).rejects.toMatchObject({
        data: { error: 'invalid_trigger_id' },
      });
      await expect(
        client.views.open({ trigger_id: click.triggerId, view: { ...view, submit: undefined } }),
      ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
      const opened = await client.views.open({ trigger_id: click.triggerId, view });
      expect(opened.view).toMatchObject({
        callback_id: 'abca_deny_reason',
        private_metadata: '{"task_id":"T"}',
      });
      await expect(client.views.open({ trigger_id: click.triggerId, view })).rejects.toMatchObject({
        data: { error: 'exchanged_trigger_id' },
      });
      expect(slack.views.at(-1)).toMatchObject({ id: opened.view?.id, user: 'U0ALICE01' });

      await send.submitView(opened.view?.id as string, { reason: 'Not now.' });
      const payload = JSON.parse(new URLSearchParams(got.at(-1)).get('payload') ?? '{}');
      expect(payload).toMatchObject({
        type: 'view_submission',
        user: { id: 'U0ALICE01' },
        view: {
          id: opened.view?.id,
          callback_id: 'abca_deny_reason',
          private_metadata: '{"task_id":"T"}',
          state: { values: { reason: { reason: { type: 'plain_text_input', value: 'Not now.' } } } },
        },
      });
    } finally {
      await new Promise<void>((r) => abca.close(() => r()));
    }
  });
});

describe("the fake Slack's sender", () => {
  it('signs requests with the v0 scheme over the exact bytes it sends', async () => {
    const got: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const abca = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => abca.listen(0, '127.0.0.1', r));
    try {
      const send = slack.sender(`http://127.0.0.1:${(abca.address() as AddressInfo).port}`);
      await send.command('U0ALICE01', 'tasks');
      await send.mention('C0TEST004', 'U0ALICE01', 'acme/app do it');
      await send.blockAction('U0ALICE01', {
        actionId: 'abca_cancel',
        value: 'X',
        channel: 'C0TEST004',
        messageTs: '1.000001',
      });
      for (const g of got) {
        const ts = g.headers['x-slack-request-timestamp'] as string;
        expect(g.headers['x-slack-signature']).toBe(
          slackSignature('fake-slack-signing-secret-01', ts, g.body),
        );
      }
      expect(new URLSearchParams(got[0]?.body).get('command')).toBe('/abca');
      const event = JSON.parse(got[1]?.body ?? '{}');
      expect(event).toMatchObject({
        type: 'event_callback',
        team_id: slack.teamId,
        event: { type: 'app_mention' },
      });
      expect(event.event_id).toMatch(/^Ev/);
      const payload = JSON.parse(new URLSearchParams(got[2]?.body).get('payload') ?? '{}');
      expect(payload).toMatchObject({
        type: 'block_actions',
        actions: [{ action_id: 'abca_cancel', value: 'X' }],
      });
    } finally {
      await new Promise<void>((r) => abca.close(() => r()));
    }
  });

  it("reproduces Slack's published signature example", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});
