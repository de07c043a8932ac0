import type { FakeGitHub } from '@abca/fake-github';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubWorld, startGitHubWorld } from './support/github-world.ts';
import type { TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * The whole PR loop on GitHub (the fake, a real HTTP server with git over HTTP and signed webhook
 * deliveries), with the real platform, the built-in agent and a scripted model. A task opens a PR;
 * a writer requests changes with two line comments; the webhook wakes the watcher, whose
 * iteration pushes one commit to the same branch, answers both threads and resolves them — one PR
 * throughout. A failed check run starts another iteration, which reads the failing log in its
 * prompt. A writer's stop label ends the watching. A review task posts one review with its line
 * comments and pushes nothing. Merging one PR and closing another show in the stats.
 */
let gh: FakeGitHub;
let model: ScriptedModelServer;
let p: TestPlatform;
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

let world: GitHubWorld;
beforeAll(async () => {
  world = await startGitHubWorld({
    owner: 'acme',
    name: 'web',
    files: { 'README.md': '# web\n' },
    collaborators: { alice: 'write' },
  });
  ({ gh, model, p } = world);
}, 180_000);
afterAll(async () => {
  await world?.close();
});

async function newTaskPr(file: string): Promise<{ number: number; taskId: string }> {
  model.script(
    reply().tool('write_file', { path: file, content: 'Hello!\n' }),
    reply().tool('bash', { command: `git add ${file} && git commit -qm "Add ${file}"` }),
    reply().text(`Added ${file}.`),
  );
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo: 'acme/web', task_description: `Add ${file}` },
  });
  expect(created.status).toBe(201);
  const done = await p.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  return { number: done.outcome.pr.number, taskId: done.task_id };
}

const iterations = async (pr: number) =>
  (
    await p.platform.db.query(
      `SELECT task_id, status FROM tasks WHERE workflow_ref = 'coding/pr-iteration-v1' AND pr_number = $1
       ORDER BY created_at`,
      [pr],
    )
  ).rows as { task_id: string; status: string }[];

const watch = async (pr: number) =>
  (await p.platform.db.query(`SELECT * FROM pr_watches WHERE repo = 'acme/web' AND number = $1`, [pr]))
    .rows[0];

/** The commits of a pull request, as GitHub lists them. */
async function prCommits(pr: number): Promise<string[]> {
  const res = await fetch(`${gh.apiUrl}/repos/acme/web/pulls/${pr}/commits?per_page=100`, {
    headers: { authorization: `Bearer ${world.token}` },
  });
  return ((await res.json()) as { sha: string }[]).map((c) => c.sha);
}

/** The iteration task number `n` (1-based) of the PR, once it ended. */
async function iterationDone(pr: number, n: number) {
  const rows = await until(`iteration ${n}`, async () => {
    const r = await iterations(pr);
    return r.length >= n ? r : undefined;
  });
  const id = rows[n - 1]?.task_id as string;
  const done = await p.waitFor(id, (t) => TERMINAL.includes(t.status), 180_000);
  expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  return done;
}

describe('the PR loop on GitHub', () => {
  let pr: number;

  it('answers a review by itself: one commit on the same branch, both threads answered and resolved, one PR', async () => {
    ({ number: pr } = await newTaskPr('GREETING.md'));
    await until('the watch', async () => watch(pr));
    const before = await prCommits(pr);
    expect(before).toHaveLength(1);
    model.script(
      reply().tool('bash', {
        command: "printf 'Hello, friend!\\n' > GREETING.md && git commit -qam 'Address the review'",
      }),
      reply().text(['Addressed the review.', 'T1: Friendlier now.', 'T2: Says friend.'].join('\n')),
    );
    await gh.submitReview('acme', 'web', pr, {
      reviewer: 'alice',
      event: 'REQUEST_CHANGES',
      body: 'Two things.',
      comments: [
        { path: 'GREETING.md', line: 1, body: 'GH-REVIEW-MARK-1: friendlier, please.' },
        { path: 'GREETING.md', line: 1, body: 'GH-REVIEW-MARK-2: and name a friend.' },
      ],
    });
    const done = await iterationDone(pr, 1);
    expect(done.channel).toBe('pr_loop');

    const after = await prCommits(pr);
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(before[0]);
    expect(gh.pulls('acme', 'web')).toHaveLength(1);
    const prompt = JSON.stringify(model.requests.at(-2)?.body);
    expect(prompt).toContain('GH-REVIEW-MARK-1');
    expect(prompt).toContain('GH-REVIEW-MARK-2');
    await until('both threads answered and resolved', async () => {
      const threads = gh.reviewThreads('acme', 'web', pr);
      return threads.length === 2 && threads.every((t) => t.resolved && t.bodies.length === 2)
        ? threads
        : undefined;
    });
    const bodies = gh.reviewThreads('acme', 'web', pr).flatMap((t) => t.bodies);
    expect(bodies.some((b) => b.includes('Friendlier now.'))).toBe(true);
    expect(bodies.some((b) => b.includes('Says friend.'))).toBe(true);
  }, 300_000);

  it('a failed check run starts an iteration that reads the failing log', async () => {
    const head = (await prCommits(pr)).at(-1) as string;
    model.script(
      reply().tool('bash', {
        command: "printf 'Hello, friend! Welcome.\\n' > GREETING.md && git commit -qam 'Fix the check'",
      }),
      reply().text('Fixed what the check found.'),
    );
    const asked = model.requests.length;
    await gh.completeCheckRun('acme', 'web', {
      headSha: head,
      name: 'ci/test',
      conclusion: 'failure',
      output: {
        title: '1 test failed',
        summary: 'greeting.test failed',
        text: `${'noise line\n'.repeat(2000)}AssertionError: CHECK-LOG-MARK-42 expected a welcome\n`,
      },
    });
    await iterationDone(pr, 2);
    const prompt = JSON.stringify(model.requests[asked]?.body);
    expect(prompt).toContain('CHECK-LOG-MARK-42');
    expect(prompt).toContain('ci/test');
    expect(await prCommits(pr)).toHaveLength(3);
    expect(gh.pulls('acme', 'web')).toHaveLength(1);
  }, 300_000);

  it("a writer's stop label ends the watching", async () => {
    await gh.addLabel('acme', 'web', pr, 'abca:stop', { by: 'alice' });
    const w = await until('the watch to stop', async () => {
      const row = await watch(pr);
      return row.watch_state === 'stopped' ? row : undefined;
    });
    expect(w.watch_reason).toBe('stop_label');
    await gh.submitReview('acme', 'web', pr, {
      reviewer: 'alice',
      event: 'REQUEST_CHANGES',
      body: 'One more.',
      comments: [{ path: 'GREETING.md', line: 1, body: 'Once more.' }],
    });
    await until('the stopped watch to see the review', async () => {
      const row = await watch(pr);
      return row.human_reviews >= 2 ? row : undefined;
    });
    expect(await iterations(pr)).toHaveLength(2);
  }, 120_000);

  it('a review task posts one review with its line comments and pushes nothing', async () => {
    const head = await prCommits(pr);
    model.script(
      reply().text(
        JSON.stringify({
          summary: 'Reads well. REVIEW-SUMMARY-MARK',
          verdict: 'request_changes',
          comments: [
            { path: 'GREETING.md', line: 1, body: 'Consider a full stop.' },
            { path: 'nowhere.md', line: 9, body: 'OUTSIDE-DIFF-MARK' },
          ],
        }),
      ),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/web', workflow_ref: 'coding/pr-review-v1', pr_number: pr },
    });
    expect(created.status).toBe(201);
    const done = await p.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    // (GitHub also lists each thread reply ABCA made as a review of its own, with an empty body.)
    const ours = gh.reviews('acme', 'web', pr).filter((r) => r.author === 'abca-bot' && r.body !== '');
    expect(ours).toHaveLength(1);
    // GitHub takes no verdict from a PR's own author: the verdict is in the body, the review a comment.
    expect(ours[0]?.body).toContain('REVIEW-SUMMARY-MARK');
    expect(ours[0]?.body).toContain('OUTSIDE-DIFF-MARK');
    expect(ours[0]?.commentIds).toHaveLength(1);
    expect(await prCommits(pr)).toEqual(head);
    expect(gh.pulls('acme', 'web')).toHaveLength(1);
  }, 180_000);

  it('merging one PR and closing another show in the stats', async () => {
    const other = await newTaskPr('OTHER.md');
    await gh.merge('acme', 'web', pr, { by: 'alice' });
    await gh.closePull('acme', 'web', other.number, { by: 'alice' });
    await until('both outcomes', async () => {
      const a = await watch(pr);
      const b = await watch(other.number);
      return a?.state === 'merged' && b?.state === 'closed' ? true : undefined;
    });
    const stats = (await p.request('GET', '/v1/stats?repo=acme/web')).body.data;
    expect(stats.overall).toMatchObject({ prs: 2, merged: 1, closed: 1, open: 0, merged_share: 0.5 });
    // The merged PR needed two iterations: not merged on its first review.
    expect(stats.overall.first_review_merge_rate).toBe(0);
    const outcomes = (await p.request('GET', '/v1/stats/prs?repo=acme/web')).body.data;
    const merged = outcomes.find((o: { number: number }) => o.number === pr);
    expect(merged).toMatchObject({ state: 'merged', iteration_tasks: 2 });
    expect(merged.review_comments.length).toBeGreaterThanOrEqual(3);
  }, 240_000);
});
