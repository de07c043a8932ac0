import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChangeRequestComments } from '../src/store/change-requests.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { branchHead, git, openPrWithTask } from './support/pr-iteration-world.ts';
import { until } from './support/until.ts';

/**
 * The whole PR loop on plain git, as a person lives it, with nothing started by hand but the first
 * task: the real platform (PostgreSQL, bubblewrap, the built-in agent, the PR watcher), a scripted
 * model over HTTP and a bare git remote. A new task opens a PR; a person reviews it with two line
 * comments through the API; the watcher starts an iteration by itself, which pushes one commit to
 * the same branch, answers both threads and resolves them — one PR throughout. A person's "stop"
 * ends the watching; the PR is merged on the remote, another one closed, and `GET /v1/stats` says so.
 */
let model: ScriptedModelServer;
let p: TestPlatform;
let remote: string;
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_PR_POLL_S: '1',
  });
  remote = makeRemote(GREET_OK);
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'loop', forge: { kind: 'git', url: remote }, settings: { test_command: 'node --test' } },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

const iterationTasks = async (pr: number) =>
  (
    await p.platform.db.query(
      `SELECT task_id, status, channel FROM tasks
       WHERE repo = 'loop' AND workflow_ref = 'coding/pr-iteration-v1' AND pr_number = $1 ORDER BY created_at`,
      [pr],
    )
  ).rows as { task_id: string; status: string; channel: string }[];

const watch = async (pr: number) =>
  (await p.platform.db.query(`SELECT * FROM pr_watches WHERE repo = 'loop' AND number = $1`, [pr])).rows[0];

describe('the PR loop on plain git', () => {
  let pr: { number: number; branch: string };

  it('answers a review by itself: one commit on the same branch, both threads answered and resolved, one PR', async () => {
    const origin = await openPrWithTask(p, model, 'loop');
    pr = { number: origin.outcome.pr.number, branch: origin.branch_name };
    const before = branchHead(remote, pr.branch) as string;
    // What the iteration the watcher starts will do.
    model.script(
      reply().tool('bash', {
        command:
          "sed -i 's/Hi, /HI, /' greet.js && sed -i 's/Hi, Ada/HI, Ada/' greet.test.js && git commit -qam 'Address the review'",
      }),
      reply().text(
        ['Addressed the review.', 'T1: Greets in capitals now.', 'T2: The test follows.'].join('\n'),
      ),
    );
    const review = await p.request('POST', `/v1/prs/${pr.number}/reviews`, {
      body: {
        verdict: 'request_changes',
        body: 'Two things.',
        comments: [
          { path: 'greet.js', line: 2, body: 'REVIEW-MARK-1: greet in capitals.' },
          { path: 'greet.test.js', line: 5, body: 'REVIEW-MARK-2: and test it.' },
        ],
      },
    });
    expect(review.status, JSON.stringify(review.body)).toBe(201);

    const [started] = await until('the watcher to start an iteration', async () => {
      const rows = await iterationTasks(pr.number);
      return rows.length > 0 ? rows : undefined;
    });
    expect(started?.channel).toBe('pr_loop');
    const done = await p.waitFor(started?.task_id as string, (t) => TERMINAL.includes(t.status), 180_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');

    // One new commit, on the PR's own branch, on top of its head; no other branch.
    const after = branchHead(remote, pr.branch) as string;
    expect(git(remote, 'rev-list', '--count', `${before}..${after}`)).toBe('1');
    expect(git(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/').split('\n')).toHaveLength(2);
    // The iteration's prompt held both comments, fenced.
    const prompt = JSON.stringify(model.requests.at(-2)?.body);
    expect(prompt).toContain('REVIEW-MARK-1');
    expect(prompt).toContain('REVIEW-MARK-2');
    // Both threads: one reply each, resolved.
    const comments = await listChangeRequestComments(p.platform.db, pr.number);
    const roots = comments.filter((c) => c.path !== null && c.inReplyTo === null);
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      expect(comments.filter((c) => c.inReplyTo === root.id)).toHaveLength(1);
      expect(root.resolved).toBe(true);
    }
    // One PR throughout.
    const prs = (await p.request('GET', '/v1/prs?repo=loop')).body.data;
    expect(prs.map((x: { number: number }) => x.number)).toEqual([pr.number]);
    expect(prs[0].head_commit).toBe(after);
    // Nothing more starts once it is answered.
    await until('the watcher to poll again', async () => {
      const w = await watch(pr.number);
      return w.active_task_id === null && new Date(w.polled_at) > new Date(done.updated_at) ? w : undefined;
    });
    expect(await iterationTasks(pr.number)).toHaveLength(1);
  }, 300_000);

  it("stops watching on a person's stop: a later review starts nothing", async () => {
    const stop = await p.request('POST', `/v1/prs/${pr.number}/comments`, { body: { body: '@abca stop' } });
    expect(stop.status).toBe(201);
    const stopped = await until('the watch to stop', async () => {
      const w = await watch(pr.number);
      return w.watch_state === 'stopped' ? w : undefined;
    });
    expect(stopped.watch_reason).toBe('stop_comment');
    const again = await p.request('POST', `/v1/prs/${pr.number}/reviews`, {
      body: {
        verdict: 'request_changes',
        body: 'One more.',
        comments: [{ path: 'greet.js', line: 2, body: 'Once more.' }],
      },
    });
    expect(again.status).toBe(201);
    // The outcome is still kept up to date (the review counted) — and no task starts.
    await until('the stopped watch to record the review', async () => {
      const w = await watch(pr.number);
      return w.human_reviews >= 2 ? w : undefined;
    });
    expect(await iterationTasks(pr.number)).toHaveLength(1);
    // The watcher said once that it stopped.
    const said = (await listChangeRequestComments(p.platform.db, pr.number)).filter(
      (c) => c.author === 'abca' && c.inReplyTo === null && c.path === null,
    );
    expect(said.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('merging one PR on the remote and closing another show in the stats', async () => {
    // Opened first: the same change as the first PR's, from the same main.
    const other = await openPrWithTask(p, model, 'loop');
    const merged = await p.request('POST', `/v1/prs/${pr.number}/merge`);
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(git(remote, 'rev-parse', 'main')).toBe(merged.body.data.merge_commit);
    const closed = await p.request('POST', `/v1/prs/${other.outcome.pr.number}/close`);
    expect(closed.status).toBe(200);
    await until('both outcomes', async () => {
      const a = await watch(pr.number);
      const b = await watch(other.outcome.pr.number);
      return a?.state === 'merged' && b?.state === 'closed' ? true : undefined;
    });
    const stats = (await p.request('GET', '/v1/stats?repo=loop')).body.data;
    // Two PRs ended: one merged after one revision cycle, one closed without any.
    expect(stats.overall).toMatchObject({ prs: 2, merged: 1, closed: 1, open: 0, merged_share: 0.5 });
    expect(stats.overall.first_review_merge_rate).toBe(0);
    expect(stats.overall.revision_cycles_per_pr).toBeGreaterThan(0);
    expect(stats.overall.cost_per_merged_pr_usd).not.toBeNull();
    expect(stats.repos.map((r: { repo: string }) => r.repo)).toEqual(['loop']);
  }, 240_000);
});
