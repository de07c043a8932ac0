import { type FakeSlack, type SlackSender, startFakeSlack } from '@abca/fake-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdentity } from '../src/channels/identities.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * Approval gates from Slack, on a whole platform (fake agent, fake forge, the fake Slack and the
 * platform's own outbox dispatcher): a push-gated task asked for in Slack waits in
 * AWAITING_APPROVAL and its thread message shows the request with Approve / Deny buttons.
 * Approve resumes it to COMPLETED with one push; Deny opens a modal whose reason ends it FAILED
 * APPROVAL_DENIED. Each decision is an event naming the ABCA user and channel `slack`; another
 * member, an unlinked Slack user or a forged submission changes nothing.
 */
const SIGNING_SECRET = 'slack-signing-secret-for-approvals-07';
const CHANNEL = 'C0APPROVE';
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
let slack: FakeSlack;
let p: TestPlatform;
let send: SlackSender;

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET });
  p = await startTestPlatform({
    ABCA_SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ABCA_SLACK_BOT_TOKEN: slack.botToken,
    ABCA_SLACK_API_URL: slack.apiUrl,
  });
  send = slack.sender(p.url);
  const repo = await p.request('POST', '/v1/repos', {
    body: { repo: 'acme/gated', forge: { kind: 'fake' }, settings: { approvals: { push: true } } },
  });
  expect(repo.status, JSON.stringify(repo.body)).toBe(201);
  for (const [user, slackUser] of [
    ['alice', 'U0ALICE01'],
    ['bob', 'U0BOB0001'],
  ] as const) {
    await p.userKey(user);
    slack.addUser({ id: slackUser });
    await linkIdentity(p.platform.db, 'slack', `${slack.teamId}:${slackUser}`, user);
  }
  slack.addUser({ id: 'U0EVE0001' });
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
  await slack?.close();
});

/** Alice asks in Slack; the task waits at the push gate and its thread message shows the buttons. */
async function waitingTask() {
  const sent = await send.mention(CHANNEL, 'U0ALICE01', 'acme/gated fix the greeting');
  expect(sent.json.outcome).toBe('task');
  const res = await p.platform.db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
    [sent.eventId],
  );
  const taskId = res.rows[0]?.task_id as string;
  await p.waitFor(taskId, (t) => t.status === 'AWAITING_APPROVAL', 90_000);
  const approval = (await p.request('GET', `/v1/tasks/${taskId}/approvals`)).body.data[0];
  const message = await until('the approval buttons in the thread', () => {
    const [m] = slack.botReplies(CHANNEL, sent.ts);
    const blocks = JSON.stringify(m?.blocks ?? []);
    return m && blocks.includes('abca_approve') && blocks.includes('abca_deny') ? m : undefined;
  });
  return { taskId, threadTs: sent.ts, messageTs: message.ts, approval, message };
}

function click(
  user: string,
  action: 'abca_approve' | 'abca_deny',
  t: { taskId: string; messageTs: string; approval: { approval_id: string } },
) {
  return send.blockAction(user, {
    actionId: action,
    value: `${t.taskId}:${t.approval.approval_id}`,
    channel: CHANNEL,
    messageTs: t.messageTs,
    text: action === 'abca_approve' ? 'Approve' : 'Deny…',
  });
}

const ephemeralTo = (user: string, text: string) =>
  until(`an ephemeral reply to ${user} saying "${text}"`, () =>
    slack.ephemeral.find((e) => e.user === user && e.text.includes(text)),
  );

async function decided(taskId: string) {
  return (await p.allEvents(taskId)).filter((e) => e.type === 'approval.decided');
}

describe('approvals from Slack', () => {
  it('Approve by the owner resumes the task to one push; another member and an unlinked user change nothing', async () => {
    const t = await waitingTask();
    const blocks = JSON.stringify(t.message.blocks);
    expect(blocks).toContain('Approval needed: the push');
    expect(blocks).toContain(t.approval.approval_id);
    expect(t.message.text).toContain('Awaiting approval');

    expect((await click('U0BOB0001', 'abca_approve', t)).status).toBe(200);
    await ephemeralTo('U0BOB0001', 'Only the owner of this task (or an admin) can approve or deny it.');
    expect((await click('U0EVE0001', 'abca_approve', t)).status).toBe(200);
    await ephemeralTo('U0EVE0001', 'is not linked to an ABCA user');
    expect(await decided(t.taskId)).toHaveLength(0);
    expect((await p.request('GET', `/v1/tasks/${t.taskId}`)).body.data.status).toBe('AWAITING_APPROVAL');

    expect((await click('U0ALICE01', 'abca_approve', t)).status).toBe(200);
    await ephemeralTo('U0ALICE01', `You approved the push of task \`${t.taskId}\``);
    const done = await p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 90_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const events = await p.allEvents(t.taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    const d = events.filter((e) => e.type === 'approval.decided');
    expect(d).toHaveLength(1);
    expect(d[0].data).toMatchObject({ state: 'approved', by: 'alice', channel: 'slack' });

    // The thread's one message is edited to the end: no buttons left.
    await until('the thread message to show the end without buttons', () => {
      const [m, ...more] = slack.botReplies(CHANNEL, t.threadTs);
      expect(more).toEqual([]);
      const b = JSON.stringify(m?.blocks ?? []);
      return m?.text.includes('Done') && !b.includes('abca_approve') && !b.includes('abca_deny');
    });
    // The old button again: the request is decided, said so, nothing changes.
    await click('U0ALICE01', 'abca_approve', t);
    await ephemeralTo('U0ALICE01', 'is not waiting for');
    expect(await decided(t.taskId)).toHaveLength(1);
  }, 240_000);

  it('Deny opens a modal; its reason ends the task FAILED APPROVAL_DENIED; a forged or empty submission changes nothing', async () => {
    const t = await waitingTask();
    const before = slack.views.length;
    expect((await click('U0ALICE01', 'abca_deny', t)).status).toBe(200);
    const view = await until('the Deny modal', () =>
      slack.views.slice(before).find((v) => v.callback_id === 'abca_deny_reason'),
    );
    expect(view.user).toBe('U0ALICE01');
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      task_id: t.taskId,
      approval_id: t.approval.approval_id,
    });

    // Bob submitting Alice's form (what a forged request would claim): refused in the form.
    const forged = await send.submitView(view.id, { reason: 'I say no' }, { asUser: 'U0BOB0001' });
    expect(forged.status).toBe(200);
    expect(forged.json).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('Only the owner') },
    });
    const empty = await send.submitView(view.id, { reason: '   ' });
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    expect(await decided(t.taskId)).toHaveLength(0);

    const no = await send.submitView(view.id, { reason: 'Not this week.' });
    expect(no.status).toBe(200);
    expect(no.text).toBe('');
    const done = await p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 90_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_DENIED');
    expect(done.error.message).toContain('Not this week.');
    const events = await p.allEvents(t.taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(0);
    expect(events.find((e) => e.type === 'approval.decided')?.data).toMatchObject({
      state: 'denied',
      by: 'alice',
      channel: 'slack',
      reason: 'Not this week.',
    });
    await ephemeralTo('U0ALICE01', `You denied the push of task \`${t.taskId}\``);
    // The same form again: too late, said in the form.
    const again = await send.submitView(view.id, { reason: 'twice' });
    expect(again.json).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('not waiting') },
    });
  }, 240_000);
});
