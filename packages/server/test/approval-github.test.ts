import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdentity } from '../src/channels/identities.ts';
import { type GitHubWorld, startGitHubWorld } from './support/github-world.ts';
import { until } from './support/until.ts';

/**
 * Approval gates from GitHub comments, on a whole platform (the fake agent, the GitHub forge and
 * channel against the fake GitHub, signed deliveries): a push-gated task asked for by a label
 * waits in AWAITING_APPROVAL and its status comment shows the request and the commands. A
 * writer's `@abca approve` resumes it to COMPLETED with one push; `@abca deny <reason>` ends it
 * FAILED APPROVAL_DENIED. Each decision is an event naming the linked ABCA user (or
 * `github:<login>`) and channel `github`; a reader's command changes nothing and is answered.
 */
let w: GitHubWorld;
const OWNER = 'acme';
const NAME = 'gated';
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  w = await startGitHubWorld({
    owner: OWNER,
    name: NAME,
    files: { 'README.md': '# gated\n' },
    collaborators: { alice: 'write', walt: 'write', rita: 'read' },
    settings: { approvals: { push: true } },
    env: { ABCA_AGENT_RUNTIME: 'fake' },
  });
  await w.p.userKey('alice');
  await linkIdentity(w.p.platform.db, 'github', 'alice', 'alice');
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const botComments = (issue: number) =>
  w.gh.issueComments(OWNER, NAME, issue).filter((c) => c.author === 'abca-bot');

/** Alice labels a new issue; the task waits at the push gate and its status comment says how to decide. */
async function waitingTask(title: string) {
  const issue = w.gh.addIssue(OWNER, NAME, { title, body: 'Please fix the greeting.' });
  await w.gh.addLabel(OWNER, NAME, issue, 'abca', { by: 'alice' });
  const taskId = await until('the task of the label', async () => {
    const res = await w.p.platform.db.query<{ task_id: string }>(
      `SELECT task_id FROM tasks WHERE channel = 'github' AND (channel_ref->>'issue_number')::int = $1`,
      [issue],
    );
    return res.rows[0]?.task_id;
  });
  await w.p.waitFor(taskId, (t) => t.status === 'AWAITING_APPROVAL', 90_000);
  const status = await until('the status comment to show the request', () =>
    botComments(issue).find((c) => c.body.includes('Approval needed: the push')),
  );
  return { issue, taskId, status };
}

const decided = async (taskId: string) =>
  (await w.p.allEvents(taskId)).filter((e) => e.type === 'approval.decided');

describe('approvals from GitHub comments', () => {
  it("a reader's command changes nothing; a linked writer's @abca approve resumes the task to one push", async () => {
    const t = await waitingTask('Gate the greeting');
    expect(t.status.body).toContain('`@abca approve`');
    expect(t.status.body).toContain('`@abca deny <reason>`');
    expect(t.status.body).toContain(`abca approve ${t.taskId}`);
    const tasksBefore = (await w.p.request('GET', '/v1/tasks?limit=100')).body.data.length;

    await w.gh.postIssueComment(OWNER, NAME, t.issue, { author: 'rita', body: '@abca approve' });
    await until('the reply to the reader', () =>
      botComments(t.issue).find((c) => c.body.includes('only people with write access')),
    );
    expect(await decided(t.taskId)).toHaveLength(0);
    expect((await w.p.request('GET', `/v1/tasks/${t.taskId}`)).body.data.status).toBe('AWAITING_APPROVAL');

    const approving = await w.gh.postIssueComment(OWNER, NAME, t.issue, {
      author: 'alice',
      body: '@abca approve ship it',
    });
    const done = await w.p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 90_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.pr_url).toContain(`/${OWNER}/${NAME}/pull/`);
    const events = await w.p.allEvents(t.taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    const d = events.filter((e) => e.type === 'approval.decided');
    expect(d).toHaveLength(1);
    expect(d[0].data).toMatchObject({ state: 'approved', by: 'alice', channel: 'github', reason: 'ship it' });
    // The command is acknowledged; it started no task of its own.
    expect(w.gh.reactions(OWNER, NAME, { comment: approving })).toEqual([
      expect.objectContaining({ user: 'abca-bot', content: '+1' }),
    ]);
    expect((await w.p.request('GET', '/v1/tasks?limit=100')).body.data.length).toBe(tasksBefore);
    await until('the status comment to reach its end', () =>
      botComments(t.issue).find((c) => c.body.includes('Completed') && !c.body.includes('Approval needed')),
    );
  }, 240_000);

  it("an unlinked writer's @abca deny needs a reason, then ends the task FAILED APPROVAL_DENIED in github:<login>'s name", async () => {
    const t = await waitingTask('Gate it again');
    await w.gh.postIssueComment(OWNER, NAME, t.issue, { author: 'walt', body: '@abca deny' });
    await until('the reply asking for a reason', () =>
      botComments(t.issue).find((c) => c.body.includes('a denial needs a reason')),
    );
    expect(await decided(t.taskId)).toHaveLength(0);

    await w.gh.postIssueComment(OWNER, NAME, t.issue, {
      author: 'walt',
      body: '@abca deny Not this week.\nWe freeze on Fridays.',
    });
    const done = await w.p.waitFor(t.taskId, (x) => TERMINAL.includes(x.status), 90_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_DENIED');
    expect(done.error.message).toContain('Not this week.');
    const events = await w.p.allEvents(t.taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(0);
    expect(events.find((e) => e.type === 'approval.decided')?.data).toMatchObject({
      state: 'denied',
      by: 'github:walt',
      channel: 'github',
      reason: 'Not this week.\nWe freeze on Fridays.',
    });
    expect(w.gh.pulls(OWNER, NAME).filter((pr) => pr.head?.ref === done.branch_name)).toHaveLength(0);

    // Too late: the command is answered with what happened, nothing changes.
    await w.gh.postIssueComment(OWNER, NAME, t.issue, { author: 'alice', body: '@abca approve' });
    await until('the reply that nothing waits', () =>
      botComments(t.issue).find((c) => c.body.includes('no ABCA task on this issue waits for a decision')),
    );
    expect(await decided(t.taskId)).toHaveLength(1);
  }, 240_000);
});
