import { generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { gitOk } from './support/git-client.ts';
import { failure, octokitFor, quiet } from './support/octokit.ts';
import { pushBranch } from './support/push-branch.ts';

/**
 * The PR loop over REST, as Octokit drives it: reviews with line comments (and GitHub's 422s),
 * replies, check runs and suites, commit statuses, labels, merge and close, and a PR's commits.
 */
const privateKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const r = { owner: 'acme', repo: 'app' };
let gh: FakeGitHub;
let alice: Octokit;
let bob: Octokit;
let app: Octokit;
let n = 0;

/** Pushes a branch changing `a.txt` (10 lines) and opens a PR for it as alice. */
async function openPull(files: Record<string, string> = { 'a.txt': lines(10) }) {
  const branch = `feat-${n++}`;
  await pushBranch(gh, { owner: 'acme', name: 'app', token: 'alice-token', branch, files });
  const pr = (await alice.rest.pulls.create({ ...r, head: branch, base: 'main', title: `PR ${branch}` }))
    .data;
  return { number: pr.number, branch, head: pr.head.sha };
}

function lines(count: number, prefix = 'line'): string {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');
}

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app' }],
    tokens: {
      'alice-token': { login: 'alice', permissions: 'write' },
      'bob-token': { login: 'bob', permissions: 'write' },
    },
    app: { appId: 99, privateKeyPem, installationId: 5 },
  });
  alice = octokitFor(gh.apiUrl, 'alice-token');
  bob = octokitFor(gh.apiUrl, 'bob-token');
  app = new Octokit({
    baseUrl: gh.apiUrl,
    log: quiet,
    authStrategy: createAppAuth,
    auth: {
      appId: 99,
      privateKey: privateKeyPem,
      installationId: 5,
      request: request.defaults({ baseUrl: gh.apiUrl }),
    },
  });
});
afterAll(() => gh?.close());

describe('reviews', () => {
  it('posts a review with line comments, each opening a thread; lists it', async () => {
    const pr = await openPull();
    const made = await bob.rest.pulls.createReview({
      ...r,
      pull_number: pr.number,
      event: 'REQUEST_CHANGES',
      body: 'Two things.',
      commit_id: pr.head,
      comments: [
        { path: 'a.txt', line: 2, side: 'RIGHT', body: 'First' },
        { path: 'a.txt', line: 9, body: 'Second' },
      ],
    });
    expect(made.status).toBe(200);
    expect(made.data).toMatchObject({
      state: 'CHANGES_REQUESTED',
      body: 'Two things.',
      user: { login: 'bob' },
      commit_id: pr.head,
    });
    expect(made.data.html_url).toContain(`#pullrequestreview-${made.data.id}`);
    const listed = await bob.rest.pulls.listReviews({ ...r, pull_number: pr.number });
    expect(listed.data.map((x) => [x.id, x.state])).toEqual([[made.data.id, 'CHANGES_REQUESTED']]);
    const comments = await bob.rest.pulls.listReviewComments({ ...r, pull_number: pr.number });
    expect(comments.data.map((c) => [c.body, c.line, c.pull_request_review_id])).toEqual([
      ['First', 2, made.data.id],
      ['Second', 9, made.data.id],
    ]);
    expect(gh.reviewThreads('acme', 'app', pr.number).map((t) => t.bodies)).toEqual([['First'], ['Second']]);
    expect(gh.reviews('acme', 'app', pr.number)).toEqual([
      expect.objectContaining({
        author: 'bob',
        state: 'CHANGES_REQUESTED',
        commentIds: comments.data.map((c) => c.id),
      }),
    ]);
  });

  it('answers 422 for a line or path outside the diff, and for approving one’s own PR, posting nothing', async () => {
    // A change in the middle of a long file: the diff shows lines 47–53 of the new side only.
    const base = lines(100);
    await pushBranch(gh, {
      owner: 'acme',
      name: 'app',
      token: 'alice-token',
      branch: 'long-base',
      files: { 'long.txt': base },
    });
    await gitOk([
      '--git-dir',
      gh.repoPath('acme', 'app'),
      'update-ref',
      'refs/heads/main',
      'refs/heads/long-base',
    ]);
    const pr = await openPull({ 'long.txt': base.replace('line 50\n', 'line fifty\n') });
    const review = (line: number, path = 'long.txt') =>
      bob.rest.pulls.createReview({
        ...r,
        pull_number: pr.number,
        event: 'COMMENT',
        comments: [{ path, line, body: 'x' }],
      });
    const off = await failure(review(10));
    expect(off.status).toBe(422);
    expect(off.message).toContain('Pull request review thread line must be part of the diff');
    expect((await failure(review(1, 'README.md'))).message).toContain('path could not be resolved');
    await review(50);
    await review(47);
    const own = await failure(
      alice.rest.pulls.createReview({ ...r, pull_number: pr.number, event: 'APPROVE' }),
    );
    expect(own).toMatchObject({ status: 422 });
    expect(own.message).toContain('Can not approve your own pull request');
    expect(gh.reviews('acme', 'app', pr.number)).toHaveLength(2);
    const empty = await failure(
      bob.rest.pulls.createReview({ ...r, pull_number: pr.number, event: 'REQUEST_CHANGES' }),
    );
    expect(empty.status).toBe(422);
  });

  it('replies through /replies and through in_reply_to, in the same thread; 404 for an unknown comment', async () => {
    const pr = await openPull();
    const root = await bob.rest.pulls.createReviewComment({
      ...r,
      pull_number: pr.number,
      commit_id: pr.head,
      path: 'a.txt',
      line: 3,
      body: 'Why?',
    });
    expect(root.status).toBe(201);
    const one = await alice.rest.pulls.createReplyForReviewComment({
      ...r,
      pull_number: pr.number,
      comment_id: root.data.id,
      body: 'Because.',
    });
    // Octokit's types want `path` and `commit_id` too; GitHub takes `in_reply_to` and `body` alone.
    const two = await alice.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      ...r,
      pull_number: pr.number,
      body: 'Also this.',
      in_reply_to: root.data.id,
    } as never);
    expect(one.data).toMatchObject({ in_reply_to_id: root.data.id, path: 'a.txt', line: 3 });
    expect(two.data).toMatchObject({ in_reply_to_id: root.data.id });
    expect(gh.reviewThreads('acme', 'app', pr.number)).toEqual([
      expect.objectContaining({ resolved: false, bodies: ['Why?', 'Because.', 'Also this.'] }),
    ]);
    const missing = await failure(
      alice.rest.pulls.createReplyForReviewComment({
        ...r,
        pull_number: pr.number,
        comment_id: 424242,
        body: 'x',
      }),
    );
    expect(missing.status).toBe(404);
  });
});

describe('checks and statuses', () => {
  it('lets only a GitHub App write check runs; lists the latest per name and the suite’s conclusion', async () => {
    const pr = await openPull();
    const refused = await failure(alice.rest.checks.create({ ...r, name: 'ci', head_sha: pr.head }));
    expect(refused.status).toBe(403);
    const started = await app.rest.checks.create({
      ...r,
      name: 'ci',
      head_sha: pr.head,
      status: 'in_progress',
    });
    expect(started.status).toBe(201);
    expect(started.data).toMatchObject({ status: 'in_progress', conclusion: null, app: { slug: 'abca' } });
    expect(started.data.pull_requests.map((p) => p.number)).toEqual([pr.number]);
    const done = await app.rest.checks.update({
      ...r,
      check_run_id: started.data.id,
      conclusion: 'failure',
      output: { title: 'Tests failed', summary: '2 failed', text: 'FAIL a.test.ts\nexpected 1, got 2' },
    });
    expect(done.data).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Tests failed' },
    });
    expect(done.data.completed_at).toBeTruthy();
    await app.rest.checks.create({ ...r, name: 'lint', head_sha: pr.head, conclusion: 'success' });
    const got = await alice.rest.checks.get({ ...r, check_run_id: started.data.id });
    expect(got.data.output.text).toContain('expected 1, got 2');
    const forRef = await alice.rest.checks.listForRef({ ...r, ref: pr.branch });
    expect(forRef.data.total_count).toBe(2);
    expect(forRef.data.check_runs.map((c) => [c.name, c.conclusion]).sort()).toEqual([
      ['ci', 'failure'],
      ['lint', 'success'],
    ]);
    const suites = await alice.rest.checks.listSuitesForRef({ ...r, ref: pr.head });
    expect(suites.data.check_suites).toEqual([
      expect.objectContaining({
        status: 'completed',
        conclusion: 'failure',
        head_sha: pr.head,
        latest_check_runs_count: 2,
      }),
    ]);
    const tooLong = await failure(
      app.rest.checks.create({
        ...r,
        name: 'big',
        head_sha: pr.head,
        conclusion: 'failure',
        output: { title: 't', summary: 'x'.repeat(70_000) },
      }),
    );
    expect(tooLong.status).toBe(422);
    expect(
      (await failure(app.rest.checks.create({ ...r, name: 'x', head_sha: '0'.repeat(40) }))).status,
    ).toBe(422);
  });

  it('keeps commit statuses, combined by context (newest wins); 422 on an unknown state', async () => {
    const pr = await openPull();
    await alice.rest.repos.createCommitStatus({ ...r, sha: pr.head, state: 'pending', context: 'ci/build' });
    await alice.rest.repos.createCommitStatus({
      ...r,
      sha: pr.head,
      state: 'failure',
      context: 'ci/build',
      description: 'Build broke',
      target_url: 'https://ci.example/1',
    });
    await alice.rest.repos.createCommitStatus({ ...r, sha: pr.head, state: 'success', context: 'ci/lint' });
    const combined = await alice.rest.repos.getCombinedStatusForRef({ ...r, ref: pr.head });
    expect(combined.data.state).toBe('failure');
    expect(combined.data.statuses.map((s) => [s.context, s.state, s.description])).toEqual([
      ['ci/lint', 'success', null],
      ['ci/build', 'failure', 'Build broke'],
    ]);
    const all = await alice.rest.repos.listCommitStatusesForRef({ ...r, ref: pr.branch });
    expect(all.data.map((s) => s.state)).toEqual(['success', 'failure', 'pending']);
    const bad = await failure(
      alice.rest.repos.createCommitStatus({ ...r, sha: pr.head, state: 'broken' as 'error' }),
    );
    expect(bad.status).toBe(422);
  });
});

describe('labels, merge and close', () => {
  it('adds and removes labels, shown on the PR; 404 for a label not on it', async () => {
    const pr = await openPull();
    const added = await alice.rest.issues.addLabels({
      ...r,
      issue_number: pr.number,
      labels: ['abca:stop', 'bug'],
    });
    expect(added.data.map((l) => l.name)).toEqual(['abca:stop', 'bug']);
    const left = await alice.rest.issues.removeLabel({ ...r, issue_number: pr.number, name: 'bug' });
    expect(left.data.map((l) => l.name)).toEqual(['abca:stop']);
    const pull = await alice.rest.pulls.get({ ...r, pull_number: pr.number });
    expect(pull.data.labels.map((l) => l.name)).toEqual(['abca:stop']);
    const missing = await failure(
      alice.rest.issues.removeLabel({ ...r, issue_number: pr.number, name: 'nope' }),
    );
    expect(missing).toMatchObject({ status: 404 });
  });

  it('merges: 409 on a stale head sha, then a merge commit on the base; 405 once merged', async () => {
    const pr = await openPull({ 'merge-me.txt': 'merged\n' });
    const human = await gh.pushCommit('acme', 'app', pr.branch, {
      path: 'human.txt',
      content: 'hi\n',
      author: 'carol',
    });
    const stale = await failure(alice.rest.pulls.merge({ ...r, pull_number: pr.number, sha: pr.head }));
    expect(stale.status).toBe(409);
    const commits = await alice.rest.pulls.listCommits({ ...r, pull_number: pr.number });
    expect(commits.data.map((c) => [c.sha, c.author?.login ?? null])).toEqual([
      [pr.head, null],
      [human, 'carol'],
    ]);
    const merged = await alice.rest.pulls.merge({ ...r, pull_number: pr.number, sha: human });
    expect(merged.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    const main = (await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'rev-parse', 'main'])).trim();
    expect(main).toBe(merged.data.sha);
    const parents = (
      await gitOk(['--git-dir', gh.repoPath('acme', 'app'), 'log', '-1', '--format=%P', main])
    ).trim();
    expect(parents.split(' ')).toContain(human);
    const pull = (await alice.rest.pulls.get({ ...r, pull_number: pr.number })).data;
    expect(pull).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: main,
      merged_by: { login: 'alice' },
    });
    expect(pull.merged_at).toBeTruthy();
    expect((await alice.rest.pulls.listCommits({ ...r, pull_number: pr.number })).data).toHaveLength(2);
    expect((await alice.rest.pulls.checkIfMerged({ ...r, pull_number: pr.number })).status).toBe(204);
    expect((await failure(alice.rest.pulls.merge({ ...r, pull_number: pr.number }))).status).toBe(405);
    const reopen = await failure(alice.rest.pulls.update({ ...r, pull_number: pr.number, state: 'open' }));
    expect(reopen.status).toBe(422);
  });

  it('refuses to merge a conflicting or closed PR (405); closes and reopens with PATCH', async () => {
    const pr = await openPull({ 'README.md': 'theirs\n' });
    await gh.pushCommit('acme', 'app', 'main', { path: 'README.md', content: 'ours\n', author: 'dave' });
    expect((await alice.rest.pulls.get({ ...r, pull_number: pr.number })).data).toMatchObject({
      mergeable: false,
      mergeable_state: 'dirty',
    });
    const conflict = await failure(alice.rest.pulls.merge({ ...r, pull_number: pr.number }));
    expect(conflict).toMatchObject({ status: 405, message: expect.stringContaining('not mergeable') });
    const closed = await alice.rest.pulls.update({ ...r, pull_number: pr.number, state: 'closed' });
    expect(closed.data).toMatchObject({ state: 'closed', merged: false, merged_at: null });
    expect((await failure(alice.rest.pulls.merge({ ...r, pull_number: pr.number }))).status).toBe(405);
    const reopened = await alice.rest.pulls.update({ ...r, pull_number: pr.number, state: 'open' });
    expect(reopened.data.state).toBe('open');
  });
});
