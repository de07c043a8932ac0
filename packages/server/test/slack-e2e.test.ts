import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeSlack, type SlackSender, startFakeSlack } from '@abca/fake-slack';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdentity } from '../src/channels/identities.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * Slack end to end on a real platform: the built-in agent in its sandbox, a scripted model over
 * real HTTP, the fake forge, and the fake Slack. A mention becomes a task and a PR; the thread holds
 * ONE message, edited to the end with the PR link, and the reactions; a reply in the thread reaches
 * the agent as a nudge; the Cancel button cancels the running task. The platform's own outbox
 * dispatcher delivers the notices.
 */
const SIGNING_SECRET = 'slack-signing-secret-for-tests-0003';
const CHANNEL = 'C0E2ETEST';
let slack: FakeSlack;
let model: ScriptedModelServer;
let p: TestPlatform;
let send: SlackSender;

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: SIGNING_SECRET });
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-slack-e2e-9c2f',
    ABCA_SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ABCA_SLACK_BOT_TOKEN: slack.botToken,
    ABCA_SLACK_API_URL: slack.apiUrl,
  });
  send = slack.sender(p.url);
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/slack', forge: { kind: 'fake' } } });
  await p.userKey('alice');
  slack.addUser({ id: 'U0ALICE01' });
  await linkIdentity(p.platform.db, 'slack', `${slack.teamId}:U0ALICE01`, 'alice');
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
  await slack?.close();
});

async function mention(text: string) {
  const sent = await send.mention(CHANNEL, 'U0ALICE01', text);
  expect(sent.status).toBe(200);
  expect(sent.json.outcome).toBe('task');
  const res = await p.platform.db.query<{ task_id: string }>(
    `SELECT task_id FROM tasks WHERE channel_ref->>'delivery_id' = $1`,
    [sent.eventId],
  );
  return { ts: sent.ts, taskId: res.rows[0]?.task_id as string };
}

const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

describe('Slack end to end', () => {
  it('a mention becomes a task and a PR; the thread holds one message edited to the end with the PR link', async () => {
    model.script(
      reply()
        .tool('write_file', { path: 'SLACK.md', content: 'asked from Slack\n' })
        .usage({ input: 900, output: 50 }),
      reply()
        .tool('bash', { command: 'git add SLACK.md && git commit -q -m "Add SLACK.md"' })
        .usage({ input: 1000, output: 40 }),
      reply().text('Added SLACK.md.').usage({ input: 1100, output: 20 }),
    );
    const t = await mention('acme/slack add a SLACK.md file');
    const done = await p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 90_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);
    const msg = await until('the thread message to show the PR', () => {
      const [m, ...more] = slack.botReplies(CHANNEL, t.ts);
      expect(more).toEqual([]);
      return m && JSON.stringify(m.blocks).includes(done.pr_url) && m.text.includes('Done') ? m : undefined;
    });
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(1);
    expect(msg.edited).toBeDefined();
    expect(JSON.stringify(msg.blocks)).toContain('3 turns');
    expect(JSON.stringify(msg.blocks)).not.toContain('abca_cancel');
    await until('the done reaction', () => slack.reactionsOn(CHANNEL, t.ts).includes('white_check_mark'));
    expect(slack.reactionsOn(CHANNEL, t.ts)).toEqual(['eyes', 'white_check_mark']);
    // One post, the rest edits of it.
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === t.ts);
    expect(posts).toHaveLength(1);
    expect(
      slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === msg.ts).length,
    ).toBeGreaterThan(0);
  }, 180_000);

  it('a reply in the thread reaches the agent as a nudge; the Cancel button cancels the running task', async () => {
    model.script(
      // Turn 1 waits in its sandbox until the test lets it go (a file in the workspace).
      reply().tool('bash', {
        command: 'for i in $(seq 1 1200); do [ -e .abca-go ] && break; sleep 0.1; done; echo released',
      }),
      // Turn 2 (with the nudge) hangs until the cancellation aborts it.
      reply().hang(),
    );
    const t = await mention('acme/slack a long refactor');
    await p.waitForEvent(t.taskId, (e) => e.type === 'agent.tool_started', 90_000);
    await until('the Cancel button in the thread', () =>
      slack.botReplies(CHANNEL, t.ts).some((m) => JSON.stringify(m.blocks).includes('abca_cancel')),
    );

    const nudged = await send.reply(CHANNEL, 'U0ALICE01', 'Also keep the public API unchanged.', t.ts);
    expect(nudged.json.outcome).toBe('nudge');
    const workspaces = join(p.home, 'workspaces');
    const dir = join(workspaces, t.taskId.toLowerCase());
    expect(existsSync(dir)).toBe(true);
    writeFileSync(join(dir, '.abca-go'), '');
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) writeFileSync(join(dir, e.name, '.abca-go'), '');

    const received = await p.waitForEvent(t.taskId, (e) => e.type === 'agent.nudge_received', 90_000);
    expect(received.data.message).toBe('Also keep the public API unchanged.');
    await until('the model to get the nudge', () =>
      model.requests.some((r) => JSON.stringify(r.body).includes('Also keep the public API unchanged.')),
    );

    const click = await send.blockAction('U0ALICE01', {
      actionId: 'abca_cancel',
      value: t.taskId,
      channel: CHANNEL,
      messageTs: slack.botReplies(CHANNEL, t.ts)[0]?.ts as string,
    });
    expect(click.status).toBe(200);
    const cancelled = await p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 60_000);
    expect(cancelled.status).toBe('CANCELLED');
    await until('the thread to show the cancellation', () => {
      const [m] = slack.botReplies(CHANNEL, t.ts);
      return m?.text.includes('Cancelled') && !JSON.stringify(m.blocks).includes('abca_cancel');
    });
    expect(slack.botReplies(CHANNEL, t.ts)).toHaveLength(1);
    await until('the cancelled reaction', () => slack.reactionsOn(CHANNEL, t.ts).includes('no_entry_sign'));
  }, 180_000);
});
