import { reply } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChangeRequestComments, listChangeRequestReviews } from '../src/store/change-requests.ts';
import { type CrashWorld, startCrashWorld } from './support/crash-world.ts';
import { makeRemote } from './support/git-remote.ts';

/**
 * A worker killed with SIGKILL right after a review task set up its retry (the agent's run
 * reopened with the error, the invalid answer set aside), before the step's checkpoint: after
 * recovery the agent was asked once (one retry message in its conversation), and the task posts
 * exactly one review.
 */
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
const RETRY = 'Your last answer is not a valid review';
let world: CrashWorld;

beforeAll(async () => {
  world = await startCrashWorld();
  const remote = makeRemote({ 'a.txt': 'one\ntwo\nthree\n', '.abca/config.yaml': 'test_command: "true"\n' });
  // This file submits its PR tasks by hand: the PR watcher, which would start its own, is off.
  const repo = await world.api.request('POST', '/v1/repos', {
    body: { repo: 'crashy', forge: { kind: 'git', url: remote }, settings: { pr_watch: false } },
  });
  expect(repo.status, JSON.stringify(repo.body)).toBe(201);
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe('SIGKILL while a review asks the agent again', () => {
  it('resumes with one retry message and posts one review', async () => {
    const { api, model } = world;
    model.script(
      reply().tool('bash', { command: `sed -i 's/two/2/' a.txt && git commit -qam "Two as a digit"` }),
      reply().text('Done.'),
    );
    const opened = await api.request('POST', '/v1/tasks', {
      body: { repo: 'crashy', task_description: 'Digits' },
    });
    const first = await api.waitFor(opened.body.data.task_id, (t) => DONE.includes(t.status), 120_000);
    expect(first.status, JSON.stringify(first.error)).toBe('COMPLETED');
    const number = (await api.request('GET', `/v1/prs?task_id=${first.task_id}`)).body.data[0]
      .number as number;

    // Whatever request the kill cuts short is answered again the same way.
    model.onRequest((r) =>
      r.rawBody.includes(RETRY)
        ? reply().text(
            JSON.stringify({
              summary: 'Fine.',
              verdict: 'approve',
              comments: [{ path: 'a.txt', line: 2, body: 'Good.' }],
            }),
          )
        : reply().text('I think it is fine.'),
    );
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'crashy', workflow_ref: 'coding/pr-review-v1', pr_number: number },
    });
    const id = created.body.data.task_id as string;
    await api.waitForEvent(id, (e) => e.type === 'review.retry', 120_000);
    await world.crashWorker();

    const done = await api.waitFor(id, (t) => DONE.includes(t.status), 120_000);
    expect(done.status, `${JSON.stringify(done.error)}\n${world.workerLog()}`).toBe('COMPLETED');
    expect(done.outcome.review).toMatchObject({ verdict: 'approve', comments: 1, moved: 0 });
    const reviews = (await listChangeRequestReviews(api.platform.db, number)).filter((r) => r.taskId === id);
    expect(reviews).toHaveLength(1);
    const lines = (await listChangeRequestComments(api.platform.db, number)).filter(
      (c) => c.reviewId === reviews[0]?.id,
    );
    expect(lines.map((c) => [c.path, c.line])).toEqual([['a.txt', 2]]);
    // The conversation the last model call carried holds the retry message once.
    const last = model.requests.at(-1)?.rawBody ?? '';
    expect(last.split(RETRY).length - 1).toBe(1);
    const events = await api.allEvents(id);
    expect(events.filter((e) => e.type === 'review.posted')).toHaveLength(1);
  }, 300_000);
});
