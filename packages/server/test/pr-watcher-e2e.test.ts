import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nudgeWatch } from '../src/pr-loop/watch-store.ts';
import {
  addChangeRequestComment,
  insertChangeRequestReview,
  listChangeRequestComments,
  updateChangeRequest,
} from '../src/store/change-requests.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * The PR watcher on the real platform with the plain-git forge: a task's PR gets a review
 * requesting changes and the watcher starts ONE iteration task; more comments while it waits
 * start nothing more (the watch is `pending`), and one more iteration starts when it ends. Merging
 * and closing PRs show in the outcomes and in `GET /v1/stats`, where a member sees only their own.
 */
let p: TestPlatform;
let alice: string;
let remote: string;
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
const ABCA = fileURLToPath(new URL('../../cli/bin/abca.js', import.meta.url));
const abca = (args: string[], key: string) =>
  promisify(execFile)(process.execPath, [ABCA, ...args, '--url', p.url, '--api-key', key], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    timeout: 60_000,
  });

beforeAll(async () => {
  p = await startTestPlatform({
    ABCA_PR_POLL_S: '1',
    // One running task per user: a task holding alice's slot keeps the first iteration queued.
    ABCA_MAX_TASKS_PER_USER: '1',
  });
  alice = await p.userKey('alice');
  remote = makeRemote(GREET_OK);
  const repo = await p.request('POST', '/v1/repos', {
    body: { repo: 'loop', forge: { kind: 'git', url: remote } },
  });
  expect(repo.status, JSON.stringify(repo.body)).toBe(201);
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

async function openPr(description: string): Promise<number> {
  const created = await p.request('POST', '/v1/tasks', {
    key: alice,
    body: { repo: 'loop', task_description: description },
  });
  expect(created.status).toBe(201);
  const done = await p.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 90_000);
  expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  return done.outcome.pr.number as number;
}

const iterations = async (n: number) =>
  (
    await p.platform.db.query(
      `SELECT task_id, status, channel, channel_ref, user_id FROM tasks
        WHERE repo = 'loop' AND pr_number = $1 AND workflow_ref = 'coding/pr-iteration-v1' ORDER BY created_at`,
      [n],
    )
  ).rows;
const watchOf = async (n: number) =>
  (await p.platform.db.query(`SELECT * FROM pr_watches WHERE repo = 'loop' AND number = $1`, [n])).rows[0];

describe('the PR watcher on plain git', () => {
  let number = 0;

  it('a review requesting changes starts ONE iteration; a flood meanwhile waits; one more after it ends', async () => {
    number = await openPr('Make greet() greet people by name');
    await until('the watch', () => watchOf(number));
    // alice's one slot is taken: the iteration the watcher starts waits in the queue.
    const holder = await p.request('POST', '/v1/tasks', {
      key: alice,
      body: { repo: 'loop', task_description: 'Hold the slot [fake:sleep=600000]' },
    });
    await p.waitFor(holder.body.data.task_id, (t) => t.status === 'RUNNING');

    await insertChangeRequestReview(p.platform.db, {
      number,
      author: 'bob',
      verdict: 'request_changes',
      body: 'Two things to fix',
      comments: [{ path: 'greet.js', line: 2, body: 'Say hello properly' }],
    });
    await nudgeWatch(p.platform.db, 'loop', number);
    const [first] = await until('the first iteration', async () => {
      const its = await iterations(number);
      return its.length > 0 && its;
    });
    expect(first).toMatchObject({ channel: 'pr_loop', user_id: 'alice' });
    expect(first.channel_ref).toMatchObject({
      iteration: 1,
      reasons: ['changes_requested', 'review_comment'],
    });
    expect(TERMINAL).not.toContain(first.status);

    // A flood while it waits: a thread comment and a mention in the conversation.
    await addChangeRequestComment(p.platform.db, {
      number,
      author: 'carol',
      body: 'And this',
      path: 'greet.js',
      line: 1,
    });
    await addChangeRequestComment(p.platform.db, {
      number,
      author: 'carol',
      body: '@abca update the docs too',
    });
    await nudgeWatch(p.platform.db, 'loop', number);
    await until('the pending batch', async () => (await watchOf(number))?.pending === true);
    expect(await iterations(number)).toHaveLength(1);
    expect((await watchOf(number)).pending_reasons.sort()).toEqual(['mention', 'review_comment']);

    // The slot frees, the first iteration runs and ends: the pending batch starts the second.
    expect((await p.request('DELETE', `/v1/tasks/${holder.body.data.task_id}`)).status).toBe(200);
    await p.waitFor(first.task_id, (t) => TERMINAL.includes(t.status), 90_000);
    const its = await until('the second iteration', async () => {
      const all = await iterations(number);
      return all.length === 2 && all;
    });
    expect(its[1].channel_ref).toMatchObject({ iteration: 2 });
    expect([...its[1].channel_ref.reasons].sort()).toEqual(['mention', 'review_comment']);
    await p.waitFor(its[1].task_id, (t) => TERMINAL.includes(t.status), 90_000);
    // Nothing new: no third.
    await nudgeWatch(p.platform.db, 'loop', number);
    await until('a quiet poll', async () => {
      const w = await watchOf(number);
      return w.active_task_id === null && w.polled_at > w.nudged_at;
    });
    expect(await iterations(number)).toHaveLength(2);
  }, 240_000);

  it('merging and closing show in the outcomes and the stats; a member sees only their own', async () => {
    // A person pushes a commit of their own to the PR's branch: a human commit in the outcome.
    const branch = (await watchOf(number)).branch as string;
    const work = join(mkdtempSync(join(tmpdir(), 'abca-human-')), 'w');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Erin', '-c', 'user.email=erin@localhost', ...args], {
        encoding: 'utf8',
      });
    git('clone', '-q', '--branch', branch, remote, work);
    git('-C', work, 'commit', '-q', '--allow-empty', '-m', 'Tidy up by hand');
    git('-C', work, 'push', '-q', 'origin', branch);
    await nudgeWatch(p.platform.db, 'loop', number);
    await until('the human commit', async () => (await watchOf(number)).human_commits === 1);

    await updateChangeRequest(p.platform.db, 'loop', number, { state: 'merged' });
    await nudgeWatch(p.platform.db, 'loop', number);
    const closedNumber = await openPr('Add a farewell');
    await until('the second watch', () => watchOf(closedNumber));
    await updateChangeRequest(p.platform.db, 'loop', closedNumber, { state: 'closed' });
    await nudgeWatch(p.platform.db, 'loop', closedNumber);
    await until('both ended', async () => {
      const [a, b] = [await watchOf(number), await watchOf(closedNumber)];
      return a.watch_state === 'ended' && b.watch_state === 'ended';
    });

    const prs = await p.request('GET', '/v1/stats/prs?repo=loop', { key: alice });
    expect(prs.status).toBe(200);
    const merged = prs.body.data.find((o: any) => o.number === number);
    expect(merged).toMatchObject({
      state: 'merged',
      watch: 'ended',
      iteration_tasks: 2,
      // bob's review requesting changes, and carol's comments that started the second iteration.
      review_cycles: 2,
      human_commits: 1,
    });
    expect(merged.merged_at).not.toBeNull();
    expect(merged.first_review_at).not.toBeNull();
    expect(merged.review_comments.map((c: any) => [c.author, c.path, c.line, c.body])).toEqual([
      ['bob', 'greet.js', 2, 'Say hello properly'],
      ['carol', 'greet.js', 1, 'And this'],
    ]);
    expect(prs.body.data.find((o: any) => o.number === closedNumber)).toMatchObject({
      state: 'closed',
      iteration_tasks: 0,
      review_cycles: 0,
      merged_at: null,
    });

    const stats = await p.request('GET', '/v1/stats', { key: alice });
    expect(stats.body.data.overall).toMatchObject({
      prs: 2,
      merged: 1,
      closed: 1,
      open: 0,
      merged_share: 0.5,
      // The merged one was revised (two iterations): not merged at its first review.
      first_review_merge_rate: 0,
      revision_cycles_per_pr: 1,
    });
    expect(stats.body.data.repos.map((r: any) => r.repo)).toEqual(['loop']);
    const mallory = await p.userKey('mallory');
    expect((await p.request('GET', '/v1/stats', { key: mallory })).body.data.overall.prs).toBe(0);
    expect((await p.request('GET', '/v1/stats/prs', { key: mallory })).body.data).toEqual([]);
    expect((await p.request('GET', '/v1/stats/prs?state=closed')).body.data).toHaveLength(1);

    // The CLI prints the same figures.
    const table = (await abca(['stats'], alice)).stdout;
    expect(table).toMatch(/^REPO\s+PRS\s+MERGED\s+CLOSED/m);
    expect(table).toMatch(/^loop\s+2\s+1\s+1\s+0\s+50%\s+0%\s+1\.00/m);
    const json = JSON.parse((await abca(['stats', '--json', '--repo', 'loop'], alice)).stdout);
    expect(json.overall.merged_share).toBe(0.5);
    const list = (await abca(['stats', 'prs', '--state', 'merged'], alice)).stdout;
    expect(list).toContain(`loop#${number}`);
    expect(list).not.toContain(`loop#${closedNumber} `);
  }, 240_000);

  it("a person's stop comment stops the watching, said once on the PR; a repo's iteration limit stops it too", async () => {
    const n = await openPr('Add a wave');
    await until('the watch', () => watchOf(n));
    await addChangeRequestComment(p.platform.db, {
      number: n,
      author: 'dave',
      body: '@abca stop, I will take it',
    });
    await nudgeWatch(p.platform.db, 'loop', n);
    await until('stopped', async () => (await watchOf(n)).watch_state === 'stopped');
    expect(await watchOf(n)).toMatchObject({ watch_reason: 'stop_comment', active_task_id: null });
    // Later reviews start nothing; the notice is not said again.
    await insertChangeRequestReview(p.platform.db, {
      number: n,
      author: 'dave',
      verdict: 'request_changes',
      body: 'more',
      comments: [],
    });
    await nudgeWatch(p.platform.db, 'loop', n);
    await until('a poll after the review', async () => {
      const w = await watchOf(n);
      return w.polled_at > w.nudged_at && w.seen.reviews.length === 1;
    });
    expect(await iterations(n)).toHaveLength(0);
    const notices = (await listChangeRequestComments(p.platform.db, n)).filter((c) =>
      c.body.includes('stopped watching'),
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ author: 'abca' });
    expect(notices[0]?.body).toContain('@dave');

    // The repo allows no iteration: a review requesting changes stops the watcher instead.
    const patched = await p.request('PATCH', '/v1/repos/loop', {
      body: { settings: { pr_max_iterations: 0 } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const m = await openPr('Add a bow');
    await until('the watch', () => watchOf(m));
    await insertChangeRequestReview(p.platform.db, {
      number: m,
      author: 'bob',
      verdict: 'request_changes',
      body: 'no',
      comments: [],
    });
    await nudgeWatch(p.platform.db, 'loop', m);
    await until('stopped by the limit', async () => (await watchOf(m)).watch_state === 'stopped');
    expect((await watchOf(m)).watch_reason).toBe('iteration_limit');
    expect(await iterations(m)).toHaveLength(0);
    const said = (await listChangeRequestComments(p.platform.db, m)).filter((c) => c.author === 'abca');
    expect(said.map((c) => c.body).join('\n')).toContain('limit of 0 iteration tasks');
  }, 240_000);

  it('the admin sees the watcher settings in the effective configuration', async () => {
    const config = await p.request('GET', '/v1/admin/config');
    expect(config.body.data.pr_loop).toEqual({
      poll_s: 1,
      poll_max_s: 1800,
      max_iterations: 3,
      max_spend_usd: 5,
      stop_label: 'abca:stop',
    });
  });

  it('bad queries are a 400 naming the field', async () => {
    const since = await p.request('GET', '/v1/stats?since=yesterday');
    expect(since.status).toBe(400);
    expect(since.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(since.body.error)).toContain('since');
    expect((await p.request('GET', '/v1/stats/prs?state=pending')).status).toBe(400);
    expect((await p.request('GET', '/v1/stats?nope=1')).status).toBe(400);
    const future = await p.request('GET', '/v1/stats?since=2999-01-01');
    expect(future.body.data.overall.prs).toBe(0);
    // The repo's watcher settings are checked like the others.
    for (const [field, value] of [
      ['pr_max_iterations', -1],
      ['pr_max_spend_usd', 0],
      ['pr_watch', 'yes'],
      ['pr_stop_label', 'a,b'],
    ] as const) {
      const res = await p.request('PATCH', '/v1/repos/loop', { body: { settings: { [field]: value } } });
      expect(res.status, field).toBe(400);
      expect(JSON.stringify(res.body.error.details)).toContain(`settings.${field}`);
    }
  });
});
