import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forge } from '../src/ports/forge.ts';
import { pushWithGit, sh } from './forge-contract.ts';
import { failure, ghRepo, NAME, OWNER, startWorld, type World } from './support/github-forge-world.ts';

describe('GitHub forge: the PR loop', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });
  /** Pushes a branch adding its own file (one line) and opens a PR for it as the bot. */
  async function openPr(forge: Forge, branch: string): Promise<number> {
    const file = `${branch.replace(/\W+/g, '-')}.ts`;
    await pushWithGit(forge, ghRepo(), {
      dir: join(world.root, `ws-${file}`),
      branch,
      file,
      content: 'export const feature = true;\n',
    });
    const pr = await forge.openPullRequest(ghRepo(), {
      branch,
      base: 'main',
      title: 'Feature',
      body: 'Adds it',
      draft: false,
      taskId: 'T1',
    });
    return pr.number;
  }
  const fileOf = (branch: string) => `${branch.replace(/\W+/g, '-')}.ts`;
  const apiCalls = (from: number, pattern: RegExp) =>
    world.gh.requests.slice(from).filter((r) => pattern.test(r.path)).length;

  it('lists failing checks of the head: a check run with the tail of a long log, a failing status', async () => {
    const forge = world.forge();
    const number = await openPr(forge, 'abca/t-checks/feature');
    const head = (await forge.getPullRequest(ghRepo(), number))?.headSha as string;
    const log = Array.from({ length: 400 }, (_, i) => `step ${i}: ok`).join('\n');
    await world.gh.completeCheckRun(OWNER, NAME, {
      headSha: head,
      name: 'test',
      conclusion: 'failure',
      output: {
        title: 'Tests failed',
        summary: '1 failed',
        text: `${log}\nFAIL src/x.test.ts: expected 1, got 2`,
      },
      detailsUrl: 'https://ci.example/runs/1',
    });
    await world.gh.completeCheckRun(OWNER, NAME, { headSha: head, name: 'lint', conclusion: 'success' });
    await world.gh.setStatus(OWNER, NAME, head, {
      state: 'failure',
      context: 'ci/legacy',
      description: 'Build broke on node 20',
      targetUrl: 'https://ci.example/legacy/7',
    });
    await world.gh.setStatus(OWNER, NAME, head, { state: 'success', context: 'ci/docs' });
    const activity = await forge.listActivity(ghRepo(), number);
    expect(activity.failingChecks).toEqual([
      {
        id: expect.any(String),
        name: 'test',
        kind: 'check_run',
        conclusion: 'failure',
        logTail: expect.stringMatching(/FAIL src\/x\.test\.ts: expected 1, got 2$/),
        url: 'https://ci.example/runs/1',
        completedAt: expect.any(String),
      },
      {
        id: 'ci/legacy',
        name: 'ci/legacy',
        kind: 'status',
        conclusion: 'failure',
        logTail: 'Build broke on node 20',
        url: 'https://ci.example/legacy/7',
        completedAt: expect.any(String),
      },
    ]);
    expect(activity.failingChecks[0]?.logTail).toHaveLength(4_000);
    expect(activity.failingChecks[0]?.logTail).not.toContain('step 0: ok');
    const ctx = await forge.fetchContext(ghRepo(), { prNumber: number });
    expect(ctx.pullRequest?.failingChecks).toEqual(activity.failingChecks);
    // A new run of the same check that passes replaces the failure (the latest run of each check).
    await world.gh.completeCheckRun(OWNER, NAME, { headSha: head, name: 'test', conclusion: 'success' });
    expect((await forge.listActivity(ghRepo(), number)).failingChecks.map((c) => c.name)).toEqual([
      'ci/legacy',
    ]);
  });

  it('reads PR state, labels, reviews, threads (resolved, outdated) and commits with their authors', async () => {
    const forge = world.forge();
    const branch = 'abca/t-activity/feature';
    const number = await openPr(forge, branch);
    const file = fileOf(branch);
    const review = await world.gh.submitReview(OWNER, NAME, number, {
      reviewer: 'octo',
      event: 'REQUEST_CHANGES',
      body: 'Needs work.',
      comments: [
        { path: file, line: 1, body: 'Rename' },
        { path: file, line: 1, body: 'Old point' },
      ],
    });
    const [rename, old] = review.commentIds as [number, number];
    await world.gh.resolveReviewThread(OWNER, NAME, number, rename);
    world.gh.updateReviewThread(OWNER, NAME, number, old, { outdated: true });
    const human = await world.gh.pushCommit(OWNER, NAME, branch, {
      path: 'notes.md',
      content: 'by hand\n',
      author: 'octo',
    });
    await world.gh.postIssueComment(OWNER, NAME, number, { author: 'octo', body: 'Any news?' });
    await world.gh.addLabel(OWNER, NAME, number, 'abca:stop');
    const activity = await forge.listActivity(ghRepo(), number);
    expect(activity.pr).toMatchObject({ number, state: 'open', headSha: human, labels: ['abca:stop'] });
    expect(activity.reviews).toEqual([
      {
        id: String(review.id),
        author: 'octo',
        state: 'changes_requested',
        body: 'Needs work.',
        submittedAt: expect.any(String),
      },
    ]);
    expect(
      activity.threads.map((t) => [t.comments[0]?.body, t.resolved, t.outdated ?? false, t.line]),
    ).toEqual([
      ['Rename', true, false, 1],
      ['Old point', false, true, 1],
    ]);
    expect(activity.comments.map((c) => [c.author, c.body])).toEqual([['octo', 'Any news?']]);
    // The bot's reply reads as the REST login (`abca[bot]`), not GraphQL's slug.
    const app = world.forge({ auth: { kind: 'app', appId: 4242, privateKey: world.privateKey } });
    await app.replyToThread(ghRepo(), number, activity.threads[1]!.id, 'On it.', { taskId: 'TBOT' });
    const replied = (await app.listActivity(ghRepo(), number)).threads[1]?.comments.at(-1);
    expect(replied).toMatchObject({ author: 'abca[bot]', body: expect.stringContaining('On it.') });
    expect(activity.commits.map((c) => c.author)).toEqual(['Test', 'octo']);
    expect(activity.commits.at(-1)?.sha).toBe(human);

    const sha = await world.gh.merge(OWNER, NAME, number, { by: 'octo' });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await forge.getPullRequest(ghRepo(), number)).toMatchObject({
      state: 'merged',
      mergedAt: expect.any(String),
      closedAt: expect.any(String),
      author: 'abca-bot',
    });
    const closed = await openPr(forge, 'abca/t-closed/feature');
    await world.gh.closePull(OWNER, NAME, closed);
    expect(await forge.getPullRequest(ghRepo(), closed)).toMatchObject({ state: 'closed', mergedAt: null });
  });

  it('keeps the newest 300 of each list, reading only the pages it needs', async () => {
    const forge = world.forge();
    const number = await openPr(forge, 'abca/t-bounds/feature');
    for (let i = 0; i < 350; i++)
      world.gh.addIssueComment(OWNER, NAME, number, { author: 'octo', body: `c${i}` });
    for (let i = 0; i < 320; i++)
      world.gh.addReviewComment(OWNER, NAME, number, { path: 'x.ts', line: 1, body: `t${i}` });
    const before = world.gh.requests.length;
    const activity = await forge.listActivity(ghRepo(), number);
    expect(activity.comments).toHaveLength(300);
    expect(activity.comments[0]?.body).toBe('c50');
    expect(activity.comments.at(-1)?.body).toBe('c349');
    expect(activity.threads).toHaveLength(300);
    expect(activity.threads[0]?.comments[0]?.body).toBe('t20');
    expect(activity.threads.at(-1)?.comments[0]?.body).toBe('t319');
    // Comments: the first page (for the count) and the last three; threads: three GraphQL pages.
    expect(apiCalls(before, /\/issues\/\d+\/comments$/)).toBe(4);
    expect(apiCalls(before, /graphql$/)).toBe(3);
    const ctx = await forge.fetchContext(ghRepo(), { prNumber: number });
    expect(ctx.pullRequest?.conversation).toHaveLength(100);
    expect(ctx.pullRequest?.conversation.at(-1)?.body).toBe('c349');
    expect(ctx.pullRequest?.reviewThreads).toHaveLength(320);
  });

  it('posts a real verdict on another author’s PR, moves a comment GitHub cannot place into the body, once per task', async () => {
    const forge = world.forge();
    const branch = 'abca/t-review/human';
    await pushWithGit(forge, ghRepo(), {
      dir: join(world.root, 'ws-review-human'),
      branch,
      file: 'human.ts',
      content: 'export const human = 1;\n',
    });
    const number = world.gh.addPullRequest(OWNER, NAME, { title: 'Human PR', head: branch, author: 'alice' });
    const head = (await forge.getPullRequest(ghRepo(), number))?.headSha as string;
    const review = {
      commitSha: head,
      verdict: 'request_changes' as const,
      body: 'Split it.',
      comments: [
        { path: 'human.ts', line: 1, body: 'Name it better.' },
        { path: 'human.ts', line: 30, body: 'Far away.' },
      ],
    };
    const before = world.gh.requests.length;
    const posted = await forge.postReview(ghRepo(), number, review, { taskId: 'TREVIEW' });
    expect(posted.url).toContain(`/pull/${number}#pullrequestreview-`);
    const again = await forge.postReview(ghRepo(), number, review, { taskId: 'TREVIEW' });
    expect(again.url).toBe(posted.url);
    const reviews = world.gh.reviews(OWNER, NAME, number);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ author: 'abca-bot', state: 'CHANGES_REQUESTED', commentIds: [] });
    expect(reviews[0]?.body).toContain('Split it.');
    expect(reviews[0]?.body).toContain('`human.ts:1`: Name it better.');
    expect(reviews[0]?.body).toContain('`human.ts:30`: Far away.');
    expect(reviews[0]?.body).toContain('<!-- abca-task:TREVIEW -->');
    // A refused POST, its retry without the line comments, then on repeat one list call.
    expect(
      world.gh.requests
        .slice(before)
        .filter((r) => r.method === 'POST')
        .map((r) => r.status),
    ).toEqual([422, 200]);
    const placed = await forge.postReview(
      ghRepo(),
      number,
      { ...review, verdict: 'comment', comments: [review.comments[0]!] },
      { taskId: 'TREVIEW2' },
    );
    expect(placed.url).toBeTruthy();
    expect(world.gh.reviews(OWNER, NAME, number).at(-1)).toMatchObject({
      state: 'COMMENTED',
      commentIds: [expect.any(Number)],
    });
  });

  it('still reads a PR whose branch was deleted: its last head, commits and checks', async () => {
    const forge = world.forge();
    const branch = 'abca/t-gone/feature';
    const number = await openPr(forge, branch);
    const head = (await forge.getPullRequest(ghRepo(), number))?.headSha as string;
    await world.gh.completeCheckRun(OWNER, NAME, { headSha: head, name: 'ci', conclusion: 'timed_out' });
    sh(world.root, ['--git-dir', world.gh.repoPath(OWNER, NAME), 'update-ref', '-d', `refs/heads/${branch}`]);
    const activity = await forge.listActivity(ghRepo(), number);
    expect(activity.pr).toMatchObject({ state: 'open', headSha: head });
    expect(activity.commits.map((c) => c.sha)).toEqual([head]);
    expect(activity.failingChecks).toEqual([
      expect.objectContaining({ name: 'ci', conclusion: 'timed_out', logTail: '' }),
    ]);
    expect((await forge.fetchContext(ghRepo(), { prNumber: number })).pullRequest?.headSha).toBe(head);
  });

  it('fails typed when a thread id names a thread of another PR, and on a missing PR', async () => {
    const forge = world.forge();
    const one = await openPr(forge, 'abca/t-cross-1/feature');
    const two = await openPr(forge, 'abca/t-cross-2/feature');
    await world.gh.submitReview(OWNER, NAME, one, {
      reviewer: 'octo',
      event: 'COMMENT',
      comments: [{ path: fileOf('abca/t-cross-1/feature'), line: 1, body: 'Here' }],
    });
    const [thread] = world.gh.reviewThreads(OWNER, NAME, one);
    const err = await failure(forge.replyToThread(ghRepo(), two, thread!.id, 'x', { taskId: 'T' }));
    expect(err).toMatchObject({ code: 'REPO_NOT_FOUND_OR_NO_ACCESS', retryable: false });
    expect(await failure(forge.resolveThread(ghRepo(), two, thread!.id))).toMatchObject({
      code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
    });
    expect(world.gh.reviewThreads(OWNER, NAME, one)[0]).toMatchObject({ resolved: false, bodies: ['Here'] });
    expect(await failure(forge.listActivity(ghRepo(), 9999))).toMatchObject({
      code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
    });
    expect(await forge.getPullRequest(ghRepo(), 9999)).toBeUndefined();
  });
});
