import { type FakeSlack, type SlackSender, startFakeSlack } from '@abca/fake-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelMessages } from '../src/channels/channel-messages.ts';
import { linkIdentity } from '../src/channels/identities.ts';
import { createSlackChannelNotifier } from '../src/channels/slack/notifier.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { ChannelMessages, ChannelNotice } from '../src/ports/channel-notifier.ts';
import type { TaskRow } from '../src/store/task-row.ts';
import { getTask } from '../src/store/task-store.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The Slack channel notifier (channels/slack/notifier.ts) at its port, against the fake Slack and
 * a real database: called the way the outbox dispatcher calls it, with the task's rows of
 * `channel_outbox`, it keeps ONE thread message per task, edited in place, and the reactions.
 * The platform here lets unlinked Slack users act as a named default user (ABCA_SLACK_UNLINKED_USER).
 */
const SIGNING_SECRET = 'slack-signing-secret-for-tests-0002';
const CHANNEL = 'C0NOTIFY1';
let slack: FakeSlack;
let p: TestPlatform;
let send: SlackSender;

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET });
  p = await startTestPlatform(
    {
      ABCA_MAX_TASKS_PER_USER: '1',
      // No bot token: the platform's own outbox dispatcher (once merged) has no Slack notifier, so
      // only this test's calls deliver.
      ABCA_SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ABCA_SLACK_UNLINKED_USER: 'slack-guests',
    },
    { apiOnly: true },
  );
  send = slack.sender(p.url);
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } });
  await p.userKey('alice');
  await p.userKey('slack-guests');
  slack.addUser({ id: 'U0ALICE01' });
  await linkIdentity(p.platform.db, 'slack', `${slack.teamId}:U0ALICE01`, 'alice');
});
afterAll(async () => {
  await p?.platform.stop();
  await slack?.close();
});

const notifier = () =>
  createSlackChannelNotifier({
    token: slack.botToken,
    apiUrl: slack.apiUrl,
    log: createLogger({ level: 'silent' }),
  });

async function slackTask(text: string) {
  const sent = await send.mention(CHANNEL, 'U0ALICE01', text);
  expect(sent.json).toMatchObject({ outcome: 'task' });
  const res = await p.platform.db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
    [sent.eventId],
  );
  return { ts: sent.ts, taskId: res.rows[0]?.task_id as string };
}

/** The task's outbox rows this test has not delivered yet, oldest first, as the dispatcher hands them over. */
const deliveredUpTo = new Map<string, number>();
async function pending(taskId: string): Promise<ChannelNotice[]> {
  const res = await p.platform.db.query<{
    id: string;
    event_type: string;
    event_seq: number;
    status: string | null;
  }>(
    'SELECT id, event_type, event_seq, status FROM channel_outbox WHERE task_id = $1 AND id > $2 ORDER BY id',
    [taskId, deliveredUpTo.get(taskId) ?? 0],
  );
  return res.rows.map((r) => ({
    outboxId: Number(r.id),
    eventType: r.event_type,
    eventSeq: r.event_seq,
    status: r.status as ChannelNotice['status'],
  }));
}

async function deliverPending(
  taskId: string,
  messages: ChannelMessages = createChannelMessages(p.platform.db, 'slack'),
) {
  const notices = await pending(taskId);
  const task = (await getTask(p.platform.db, taskId)) as TaskRow;
  await notifier().deliver(task, notices, messages);
  const last = notices.at(-1);
  if (last) deliveredUpTo.set(taskId, last.outboxId);
  return task;
}

const buttonsOf = (m: { blocks?: unknown[] }) =>
  JSON.stringify(m.blocks ?? []).includes('"action_id":"abca_cancel"');

describe('the Slack channel notifier', () => {
  it('posts one thread message with a Cancel button, edits it as the task moves, reacts on the asking message', async () => {
    const t = await slackTask('acme/app add a README');
    expect((await pending(t.taskId)).map((n) => n.eventType)[0]).toBe('task.created');
    await deliverPending(t.taskId);
    let replies = slack.botReplies(CHANNEL, t.ts);
    expect(replies).toHaveLength(1);
    const first = replies[0];
    expect(first?.thread_ts).toBe(t.ts);
    expect(first?.metadata).toEqual({ event_type: 'abca_task', event_payload: { task_id: t.taskId } });
    expect(buttonsOf(first ?? {})).toBe(true);
    expect(JSON.stringify(first?.blocks)).toContain(`"value":"${t.taskId}"`);
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes']);
    const stored = await p.platform.db.query('SELECT external_id FROM channel_messages WHERE task_id = $1', [
      t.taskId,
    ]);
    expect(stored.rows).toEqual([{ external_id: first?.ts }]);

    expect((await p.request('DELETE', `/v1/tasks/${t.taskId}`)).status).toBe(200);
    const notices = await pending(t.taskId);
    expect(notices.at(-1)).toMatchObject({ eventType: 'task.status_changed', status: 'CANCELLED' });
    await deliverPending(t.taskId);
    replies = slack.botReplies(CHANNEL, t.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.ts).toBe(first?.ts);
    expect(replies[0]?.text).toContain('Cancelled');
    expect(replies[0]?.edited).toBeDefined();
    expect(buttonsOf(replies[0] ?? {})).toBe(false);
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes', 'no_entry_sign']);

    // Delivered again (a retry after a crash): the same one message, the same reactions.
    await notifier().deliver(
      (await getTask(p.platform.db, t.taskId)) as TaskRow,
      notices,
      createChannelMessages(p.platform.db, 'slack'),
    );
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(1);
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes', 'no_entry_sign']);
  });

  it('ends with the PR link and the done reaction; a failure shows its remedy and the failed reaction', async () => {
    const t = await slackTask('acme/app fix the tests');
    const task = await deliverPending(t.taskId);
    const messages = createChannelMessages(p.platform.db, 'slack');
    const done: TaskRow = {
      ...task,
      status: 'COMPLETED',
      pr_url: 'https://forge.example/acme/app/pull/7',
      turns: 4,
      cost_usd: 0.0312,
    };
    await notifier().deliver(done, [], messages);
    const [msg] = slack.botReplies(CHANNEL, t.ts);
    expect(msg?.text).toContain('Done');
    expect(JSON.stringify(msg?.blocks)).toContain('<https://forge.example/acme/app/pull/7>');
    expect(JSON.stringify(msg?.blocks)).toContain('4 turns · $0.0312');
    expect(buttonsOf(msg ?? {})).toBe(false);
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes', 'white_check_mark']);

    const t2 = await slackTask('acme/app break things');
    const task2 = await deliverPending(t2.taskId);
    const failed: TaskRow = {
      ...task2,
      status: 'FAILED',
      error: {
        code: 'AGENT_FAILED',
        message: 'The agent gave up <!channel>',
        remedy: 'Retry with a narrower task.',
        retryable: true,
      },
    };
    await notifier().deliver(failed, [], messages);
    const [fmsg] = slack.botReplies(CHANNEL, t2.ts);
    const shown = JSON.stringify(fmsg?.blocks);
    expect(shown).toContain('Retry with a narrower task.');
    // Text in a message is escaped: no @channel ping.
    expect(shown).toContain('&lt;!channel&gt;');
    expect(slack.reactionsOn(CHANNEL, t2.ts)).toEqual(['eyes', 'x']);
  });

  it('after a crash between Slack posting the message and ABCA recording it, finds it by its metadata: never two', async () => {
    const t = await slackTask('acme/app crash me');
    const real = createChannelMessages(p.platform.db, 'slack');
    const dying: ChannelMessages = {
      get: real.get,
      save: async () => {
        throw new Error('process died before recording the message');
      },
    };
    await expect(deliverPending(t.taskId, dying)).rejects.toThrow('process died');
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(1);
    expect(await real.get(t.taskId, 'status')).toBeUndefined();
    // The retry: nothing recorded, the thread is searched (metadata included) and the message edited.
    await deliverPending(t.taskId, real);
    const replies = slack.botReplies(CHANNEL, t.ts);
    expect(replies).toHaveLength(1);
    expect(await real.get(t.taskId, 'status')).toBe(replies[0]?.ts);
    const search = slack.calls.filter((c) => c.method === 'conversations.replies').at(-1);
    expect(search?.args.include_all_metadata).toBeTruthy();
  });

  it('throws for the dispatcher to retry when Slack fails, and shows the same one message once it is back', async () => {
    const t = await slackTask('acme/app flaky slack');
    slack.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfterS: 1 });
    await expect(deliverPending(t.taskId)).rejects.toThrow();
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(0);
    slack.failNext('reactions.add', 'internal_error');
    await expect(
      notifier().deliver(
        (await getTask(p.platform.db, t.taskId)) as TaskRow,
        [],
        createChannelMessages(p.platform.db, 'slack'),
      ),
    ).rejects.toThrow();
    await notifier().deliver(
      (await getTask(p.platform.db, t.taskId)) as TaskRow,
      [],
      createChannelMessages(p.platform.db, 'slack'),
    );
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(1);
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes']);
  });

  it('sends no token or secret to Slack but in the Authorization header', async () => {
    const everything = JSON.stringify(slack.calls);
    expect(everything).not.toContain(slack.botToken);
    expect(everything).not.toContain(SIGNING_SECRET);
  });
});

describe('ABCA_SLACK_UNLINKED_USER', () => {
  it('makes an unlinked Slack user’s mention a task of the named default user; /abca still needs a link', async () => {
    slack.addUser({ id: 'U0GUEST01' });
    const sent = await send.mention(CHANNEL, 'U0GUEST01', 'acme/app tidy the README');
    expect(sent.json.outcome).toBe('task');
    const res = await p.platform.db.query<{ user_id: string }>(
      `SELECT user_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
      [sent.eventId],
    );
    expect(res.rows).toEqual([{ user_id: 'slack-guests' }]);
    expect((await send.command('U0GUEST01', 'tasks')).json.text).toContain('abca users link');
  });
});
