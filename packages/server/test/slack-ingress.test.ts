import { type FakeSlack, type SlackSender, startFakeSlack } from '@abca/fake-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdentity } from '../src/channels/identities.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * Slack's ingress on a real platform (API only: tasks stay queued, nothing races a worker) with the
 * fake Slack on 127.0.0.1: signed requests as Slack sends them, and what ABCA answers and replies.
 */
const SIGNING_SECRET = 'slack-signing-secret-for-tests-0001';
const RATE = 80;
let slack: FakeSlack;
let flood: FakeSlack;
let p: TestPlatform;
let send: SlackSender;
const CHANNEL = 'C0ABCAGEN';

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET });
  flood = await startFakeSlack({
    signingSecret: SIGNING_SECRET,
    teamId: 'T0FLOOD01',
    botToken: slack.botToken,
  });
  p = await startTestPlatform(
    {
      ABCA_MAX_TASKS_PER_USER: '1',
      ABCA_SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ABCA_SLACK_BOT_TOKEN: slack.botToken,
      ABCA_SLACK_API_URL: slack.apiUrl,
      ABCA_CHANNEL_RATE_PER_MINUTE: String(RATE),
    },
    { apiOnly: true },
  );
  send = slack.sender(p.url);
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  await p.userKey('alice');
  await p.userKey('bob');
  for (const [u, who] of [
    ['U0ALICE01', 'alice'],
    ['U0BOB0001', 'bob'],
  ] as const) {
    slack.addUser({ id: u });
    await linkIdentity(p.platform.db, 'slack', `${slack.teamId}:${u}`, who);
  }
  slack.addUser({ id: 'U0STRANGE' });
});
afterAll(async () => {
  await p?.platform.stop();
  await slack?.close();
  await flood?.close();
});

const counts = async () => {
  const res = await p.platform.db.query<{ tasks: number; deliveries: number; nudges: number }>(
    `SELECT (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM channel_deliveries) AS deliveries,
            (SELECT count(*)::int FROM nudges) AS nudges`,
  );
  const row = res.rows[0];
  if (!row) throw new Error('no counts');
  return row;
};

const ephemeralFor = (user: string, includes: string) =>
  until(`an ephemeral reply to ${user} with "${includes}"`, () =>
    slack.ephemeral.find((e) => e.user === user && e.text.includes(includes)),
  );

async function mentionTask(text: string, user = 'U0ALICE01') {
  const sent = await send.mention(CHANNEL, user, text);
  expect(sent.status).toBe(200);
  expect(sent.json).toMatchObject({ ok: true, outcome: 'task' });
  const res = await p.platform.db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
    [sent.eventId],
  );
  const taskId = res.rows[0]?.task_id as string;
  return { ...sent, taskId };
}

describe('Slack Events API', () => {
  it('answers the URL check with its challenge', async () => {
    const res = await send.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('makes a task of a mention, as the linked user, with the thread as its reference', async () => {
    const sent = await mentionTask('acme/app add a README [fake:turns=1]');
    const task = (await p.request('GET', `/v1/tasks/${sent.taskId}`)).body.data;
    expect(task).toMatchObject({
      user_id: 'alice',
      repo: 'acme/app',
      channel: 'slack',
      task_description: 'add a README [fake:turns=1]',
      channel_ref: {
        channel: 'slack',
        team_id: slack.teamId,
        channel_id: CHANNEL,
        thread_ts: sent.ts,
        message_ts: sent.ts,
        user_id: 'U0ALICE01',
        delivery_id: sent.eventId,
      },
    });
  });

  it("answers Slack's retry of an event as before and refuses a replay without Slack's retry header", async () => {
    const sent = await mentionTask('fix acme/app#12');
    const before = await counts();
    const retried = await send.send('/webhooks/slack/events', sent.body, 'application/json', { retryNum: 1 });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ ok: true, outcome: 'task', duplicate: true });
    const replayed = await send.send('/webhooks/slack/events', sent.body, 'application/json');
    expect(replayed.status).toBe(409);
    expect(replayed.json.error.code).toBe('DELIVERY_REPLAYED');
    expect(await counts()).toEqual(before);
    const task = (await p.request('GET', `/v1/tasks/${sent.taskId}`)).body.data;
    expect(task).toMatchObject({ issue_number: 12, repo: 'acme/app' });
  });

  it('replies to an unlinked user how to link, and makes no task', async () => {
    const before = await counts();
    const sent = await send.mention(CHANNEL, 'U0STRANGE', 'acme/app do something');
    expect(sent.status).toBe(200);
    expect(sent.json.outcome).toBe('unlinked');
    const reply = await ephemeralFor('U0STRANGE', 'abca users link');
    expect(reply.text).toContain(`${slack.teamId}:U0STRANGE`);
    expect(reply.thread_ts).toBe(sent.ts);
    expect((await counts()).tasks).toBe(before.tasks);
  });

  it('replies naming `abca repos add` for a repo that is not onboarded, and how to ask for a mention without a repo', async () => {
    const before = await counts();
    const sent = await send.mention(CHANNEL, 'U0BOB0001', 'acme/other fix the build');
    expect(sent.json.outcome).toBe('refused:REPO_NOT_ONBOARDED');
    await ephemeralFor('U0BOB0001', 'abca repos add acme/other');
    const vague = await send.mention(CHANNEL, 'U0BOB0001', 'can you help?');
    expect(vague.json.outcome).toBe('usage');
    await ephemeralFor('U0BOB0001', '@abca <owner/repo>');
    expect((await counts()).tasks).toBe(before.tasks);
  });

  it("turns the owner's reply in the thread of a running task into a nudge; others' replies are not", async () => {
    const task = await mentionTask('acme/app refactor the parser');
    const reply = await send.reply(CHANNEL, 'U0ALICE01', 'please also update the &lt;docs&gt;', task.ts);
    expect(reply.json).toMatchObject({ outcome: 'nudge' });
    const nudges = await p.platform.db.query<{ message: string; user_id: string }>(
      'SELECT message, user_id FROM nudges WHERE task_id = $1',
      [task.taskId],
    );
    expect(nudges.rows).toEqual([{ message: 'please also update the <docs>', user_id: 'alice' }]);
    await p.waitForEvent(task.taskId, (e) => e.type === 'task.nudge_queued');
    await until('the eyes on the reply', () => slack.reactionsOn(CHANNEL, reply.ts).includes('eyes'));

    const other = await send.reply(CHANNEL, 'U0BOB0001', 'do it differently', task.ts);
    expect(other.json.outcome).toBe('forbidden');
    await ephemeralFor('U0BOB0001', 'Only the owner');
    const topLevel = await send.event({
      type: 'message',
      user: 'U0ALICE01',
      text: 'hi',
      ts: '1700000000.000200',
      channel: CHANNEL,
    });
    expect(topLevel.status).toBe(202);
    const botOwn = await send.event({
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0ABCABOT',
      text: 'status',
      ts: '1700000000.000300',
      thread_ts: task.ts,
      channel: CHANNEL,
    });
    expect(botOwn.status).toBe(202);
    expect(
      (await p.platform.db.query('SELECT 1 FROM nudges WHERE task_id = $1', [task.taskId])).rowCount,
    ).toBe(1);
  });
});

describe('nudges from a thread', () => {
  it('share the API’s limit of 10 a minute per task: the 11th gets a reply, and the API answers 429 too', async () => {
    const task = await mentionTask('acme/app a busy task');
    for (let i = 1; i <= 10; i++) {
      const r = await send.reply(CHANNEL, 'U0ALICE01', `nudge ${i}`, task.ts);
      expect(r.json.outcome).toBe('nudge');
    }
    const eleventh = await send.reply(CHANNEL, 'U0ALICE01', 'nudge 11', task.ts);
    expect(eleventh.json.outcome).toBe('rate_limited');
    await ephemeralFor('U0ALICE01', 'too many nudges');
    const viaApi = await p.request('POST', `/v1/tasks/${task.taskId}/nudge`, {
      body: { message: 'from the API' },
    });
    expect(viaApi.status).toBe(429);
    expect(viaApi.body.error.code).toBe('RATE_LIMITED');
    const n = await p.platform.db.query('SELECT 1 FROM nudges WHERE task_id = $1', [task.taskId]);
    expect(n.rowCount).toBe(10);
  });
});

describe('the /abca command', () => {
  it('lists, shows and cancels the linked user’s own tasks, ephemerally', async () => {
    const mine = await mentionTask('acme/app write tests');
    const tasks = await send.command('U0ALICE01', 'tasks');
    expect(tasks.status).toBe(200);
    expect(tasks.json.response_type).toBe('ephemeral');
    expect(tasks.json.text).toContain(mine.taskId);
    const status = await send.command('U0ALICE01', `status ${mine.taskId}`);
    expect(status.json.text).toContain(mine.taskId);
    expect(status.json.text).toMatch(/SUBMITTED|QUEUED/);
    // Bob cannot see or cancel Alice's task: it is answered like a missing one.
    expect((await send.command('U0BOB0001', `status ${mine.taskId}`)).json.text).toContain('No task');
    expect((await send.command('U0BOB0001', `cancel ${mine.taskId}`)).json.text).toContain('No task');
    expect((await p.request('GET', `/v1/tasks/${mine.taskId}`)).body.data.status).not.toBe('CANCELLED');
    const cancel = await send.command('U0ALICE01', `cancel ${mine.taskId}`);
    expect(cancel.json.text).toContain('is cancelled');
    expect((await p.request('GET', `/v1/tasks/${mine.taskId}`)).body.data.status).toBe('CANCELLED');
    expect((await send.command('U0ALICE01', `cancel ${mine.taskId}`)).json.text).toContain('already ended');
    expect((await send.command('U0ALICE01', '')).json.text).toContain('/abca tasks');
    expect((await send.command('U0STRANGE', 'tasks')).json.text).toContain('abca users link');
  });
});

describe('the Cancel button', () => {
  it('cancels the task when its owner clicks, not when another member does', async () => {
    const task = await mentionTask('acme/app long job');
    const button = { actionId: 'abca_cancel', value: task.taskId, channel: CHANNEL, messageTs: task.ts };
    const bob = await send.blockAction('U0BOB0001', button);
    expect(bob.status).toBe(200);
    await ephemeralFor('U0BOB0001', 'Only the owner of this task');
    expect((await p.request('GET', `/v1/tasks/${task.taskId}`)).body.data.status).not.toBe('CANCELLED');
    const alice = await send.blockAction('U0ALICE01', button);
    expect(alice.status).toBe(200);
    const done = (await p.request('GET', `/v1/tasks/${task.taskId}`)).body.data;
    expect(done.status).toBe('CANCELLED');
    const events = await p.allEvents(task.taskId);
    expect(events.find((e) => e.type === 'task.status_changed' && e.data.to === 'CANCELLED')?.data.by).toBe(
      'alice',
    );
  });
});

describe('bad deliveries', () => {
  const mention = (text: string) =>
    JSON.stringify({
      type: 'event_callback',
      team_id: slack.teamId,
      event_id: `EvBAD${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
      event: {
        type: 'app_mention',
        user: 'U0ALICE01',
        text: `<@${slack.botUserId}> ${text}`,
        ts: '1700000001.000100',
        channel: CHANNEL,
      },
      authorizations: [{ user_id: slack.botUserId }],
    });
  const now = () => Math.floor(Date.now() / 1000);
  const cases: {
    name: string;
    run: () => Promise<{ status: number; json: any }>;
    status: number;
    code?: string;
  }[] = [
    {
      name: 'no signature',
      run: () =>
        send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', { unsigned: true }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a wrong signature',
      run: () =>
        send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
          secret: 'another-secret-of-32-characters!!',
        }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a garbled signature',
      run: () =>
        send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
          signature: 'v0=zz',
        }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a timestamp older than the window',
      run: () =>
        send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
          timestamp: now() - 301,
        }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a timestamp ahead of the window',
      run: () =>
        send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
          timestamp: now() + 301,
        }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a signed body that is not JSON',
      run: () => send.send('/webhooks/slack/events', '{"type": "event_callback",', 'application/json'),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a signed event_callback without an event id',
      run: () =>
        send.send(
          '/webhooks/slack/events',
          JSON.stringify({ type: 'event_callback', team_id: slack.teamId, event: { type: 'app_mention' } }),
          'application/json',
        ),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'a mention whose fields do not hold',
      run: () =>
        send.event({ type: 'app_mention', user: 'not an id', text: 'x', ts: 'yesterday', channel: CHANNEL }),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'an unknown event type',
      run: () => send.event({ type: 'reaction_added', user: 'U0ALICE01', reaction: 'tada' }),
      status: 202,
    },
    {
      name: 'an unknown envelope type',
      run: () =>
        send.send(
          '/webhooks/slack/events',
          JSON.stringify({ type: 'app_rate_limited', team_id: slack.teamId }),
          'application/json',
        ),
      status: 202,
    },
    {
      name: 'a slash command that is not form-encoded fields',
      run: () => send.send('/webhooks/slack/commands', 'text=tasks', 'application/x-www-form-urlencoded'),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'an interaction without a payload',
      run: () => send.send('/webhooks/slack/interactions', 'foo=bar', 'application/x-www-form-urlencoded'),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'an interaction whose payload is not JSON',
      run: () =>
        send.send('/webhooks/slack/interactions', 'payload=%7Bnope', 'application/x-www-form-urlencoded'),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
    {
      name: 'an unsigned interaction',
      run: () =>
        send.send('/webhooks/slack/interactions', 'payload=%7B%7D', 'application/x-www-form-urlencoded', {
          unsigned: true,
        }),
      status: 401,
      code: 'SIGNATURE_INVALID',
    },
    {
      name: 'a body that is not UTF-8',
      run: () =>
        send.send(
          '/webhooks/slack/commands',
          Uint8Array.from([0x74, 0x3d, 0xff, 0xfe]),
          'application/x-www-form-urlencoded',
        ),
      status: 400,
      code: 'VALIDATION_ERROR',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status}, nothing created`, async () => {
      const before = await counts();
      const res = await c.run();
      expect(res.status).toBe(c.status);
      if (c.code) expect(res.json.error.code).toBe(c.code);
      const after = await counts();
      expect(after.tasks).toBe(before.tasks);
      expect(after.nudges).toBe(before.nudges);
      // Refused deliveries leave no trace; an ignored one is remembered (its retry is answered alike).
      if (c.status >= 400) expect(after.deliveries).toBe(before.deliveries);
    });
  }

  it('a flood from one team: 429 with Retry-After once its minute is spent, never a 5xx; other teams go on', async () => {
    const floodSend = flood.sender(p.url);
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 5; i++) {
      const res = await floodSend.event({ type: 'reaction_added', user: 'U0ALICE01' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(RATE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect((await send.urlVerification('still-here')).status).toBe(200);
    expect((await send.command('U0ALICE01', 'tasks')).status).toBe(200);
  });

  it('a flood of badly signed requests: 401 until the minute’s allowance is spent, then 429, never a 5xx', async () => {
    const before = await counts();
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 1; i++) {
      const res = await send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
        signature: `v0=${'0'.repeat(64)}`,
      });
      statuses.push(res.status);
    }
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((s) => s === 429)).toBe(true);
    expect(await counts()).toEqual(before);
    // Signed requests are not held back by others' bad ones.
    expect((await send.urlVerification('signed-still-works')).status).toBe(200);
  });

  it('GET /v1/admin/config says Slack is configured, never with the secret or the token', async () => {
    const res = await p.request('GET', '/v1/admin/config');
    expect(res.body.data.channels.slack).toEqual({
      signing_secret_set: true,
      bot_token_set: true,
      api_url: slack.apiUrl,
      unlinked_user: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(res.body)).not.toContain(slack.botToken);
  });

  it('never leaks the signing secret or the bot token in an answer', async () => {
    const res = await send.send('/webhooks/slack/events', mention('acme/app x'), 'application/json', {
      signature: 'v0=00',
    });
    expect(res.text).not.toContain(SIGNING_SECRET);
    expect(res.text).not.toContain(slack.botToken);
  });
});
