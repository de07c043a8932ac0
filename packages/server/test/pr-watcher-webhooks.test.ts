import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoAccess } from '../src/channels/github/github-api.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { Forge, PrActivity } from '../src/ports/forge.ts';
import { startPrWatcher } from '../src/pr-loop/poller.ts';
import { claimDueWatches, discoverWatches, failPoll } from '../src/pr-loop/watch-store.ts';
import { withoutAdmission } from './support/no-admission.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createTask } from './support/stored-task.ts';

/**
 * GitHub deliveries make the PR watcher prompt (API only: nothing polls here, so what a delivery
 * did is read from the watch's row): review, review comment, review thread, check run/suite,
 * status and pull_request events on a PR ABCA opened mark its watch due; a comment on it goes to
 * the watcher instead of making a task; events on PRs ABCA did not open are ignored with a reason.
 */
const SECRET = 'pr-watcher-webhook-secret-0123456';
let p: TestPlatform;
const HEAD = 'a'.repeat(40);

beforeAll(async () => {
  p = await startTestPlatform(
    {
      ABCA_GITHUB_WEBHOOK_SECRET: SECRET,
      ABCA_GITHUB_BOT_LOGIN: 'abca-bot',
      ABCA_GITHUB_UNLINKED_USER: 'admin',
    },
    { apiOnly: true },
  );
  const repo = await p.request('POST', '/v1/repos', {
    body: { repo: 'acme/web', forge: { kind: 'github', owner_repo: 'acme/web' }, verify: false },
  });
  expect(repo.status).toBe(201);
  // A task that opened PR #5 (as finalization leaves it): the watcher discovers it from the task.
  await taskThatOpened(5);
}, 120_000);

/** A finished task that opened PR `number` of acme/web, as finalization leaves it. */
async function taskThatOpened(number: number): Promise<void> {
  const created = await createTask(p.platform.db, {
    repo: 'acme/web',
    task_description: `Change ${number}`,
    user_id: 'admin',
    max_turns: 10,
  });
  if (created.kind !== 'created') throw new Error('task not created');
  await p.platform.db.query(
    `UPDATE tasks SET status = 'COMPLETED', completed_at = now(), branch_name = $2,
       outcome = jsonb_build_object('pr', jsonb_build_object('number', $3::int, 'url', $4::text, 'draft', false))
     WHERE task_id = $1`,
    [created.task.task_id, `abca/change-${number}`, number, `https://github.com/acme/web/pull/${number}`],
  );
}
afterAll(async () => {
  await p?.platform.stop();
});

async function deliver(event: string, payload: Record<string, unknown>) {
  const body = JSON.stringify({
    repository: { full_name: 'acme/web', name: 'web', owner: { login: 'acme' } },
    sender: { login: 'alice', type: 'User' },
    ...payload,
  });
  const res = await fetch(`${p.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signWebhookBody(SECRET, body),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The watch of PR #5: when it was last nudged. */
async function nudgedAt(): Promise<number> {
  const res = await p.platform.db.query(
    `SELECT nudged_at FROM pr_watches WHERE repo = 'acme/web' AND number = 5`,
  );
  return res.rows[0]?.nudged_at ? (res.rows[0].nudged_at as Date).getTime() : 0;
}

async function expectNudged(event: string, payload: Record<string, unknown>) {
  const before = await nudgedAt();
  const res = await deliver(event, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.data).toMatchObject({ outcome: 'watcher', pull_requests: [5] });
  expect(await nudgedAt()).toBeGreaterThan(before);
}

const pr = (number: number) => ({ number, head: { sha: HEAD }, state: 'open' });

describe('GitHub deliveries and the PR watcher', () => {
  it('each PR-loop event on an ABCA pull request marks its watch due', async () => {
    await expectNudged('pull_request_review', {
      action: 'submitted',
      review: { id: 1, state: 'changes_requested', user: { login: 'alice' } },
      pull_request: pr(5),
    });
    const due = await p.platform.db.query(
      `SELECT next_poll_at <= now() AS due, head_sha FROM pr_watches WHERE repo = 'acme/web' AND number = 5`,
    );
    expect(due.rows[0].due).toBe(true);
    await expectNudged('pull_request_review_comment', {
      action: 'created',
      comment: { id: 2, body: 'rename', user: { login: 'alice' } },
      pull_request: pr(5),
    });
    await expectNudged('pull_request_review_thread', {
      action: 'resolved',
      thread: { node_id: 'PRRT_1' },
      pull_request: pr(5),
    });
    await expectNudged('pull_request', { action: 'closed', pull_request: { ...pr(5), merged: true } });
    await expectNudged('pull_request', {
      action: 'labeled',
      label: { name: 'abca:stop' },
      pull_request: pr(5),
    });
    await expectNudged('check_run', {
      action: 'completed',
      check_run: {
        id: 9,
        head_sha: HEAD,
        status: 'completed',
        conclusion: 'failure',
        pull_requests: [{ number: 5 }],
      },
    });
    await expectNudged('check_suite', {
      action: 'completed',
      check_suite: {
        id: 10,
        head_sha: HEAD,
        status: 'completed',
        conclusion: 'failure',
        pull_requests: [{ number: 5 }],
      },
    });
  });

  it('a failed commit status finds the PR by its head commit', async () => {
    await p.platform.db.query(`UPDATE pr_watches SET head_sha = $1 WHERE repo = 'acme/web' AND number = 5`, [
      HEAD,
    ]);
    await expectNudged('status', { sha: HEAD, state: 'failure', context: 'ci/build' });
    // A check suite from a fork names no pull request: found by the head sha too.
    await expectNudged('check_suite', {
      action: 'completed',
      check_suite: { id: 11, head_sha: HEAD, status: 'completed', conclusion: 'failure', pull_requests: [] },
    });
    const ok = await deliver('status', { sha: HEAD, state: 'success', context: 'ci/build' });
    expect(ok.body.data).toMatchObject({ outcome: 'ignored', reason: 'a success status is not acted on' });
    const queued = await deliver('check_run', {
      action: 'created',
      check_run: {
        id: 12,
        head_sha: HEAD,
        status: 'queued',
        conclusion: null,
        pull_requests: [{ number: 5 }],
      },
    });
    expect(queued.body.data).toMatchObject({
      outcome: 'ignored',
      reason: 'check_run.created is not acted on',
    });
  });

  it('a comment on an ABCA pull request goes to the watcher: no task is made from it', async () => {
    const before = (await p.platform.db.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n;
    const at = await nudgedAt();
    const res = await deliver('issue_comment', {
      action: 'created',
      issue: { number: 5, pull_request: { url: 'x' }, user: { login: 'abca-bot' } },
      comment: { id: 77, body: '@abca please fix the lint', user: { login: 'alice' } },
    });
    expect(res.status).toBe(202);
    expect(res.body.data.outcome).toBe('watcher');
    expect(await nudgedAt()).toBeGreaterThan(at);
    expect((await p.platform.db.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(before);
  });

  it('an event on a pull request ABCA did not open is ignored with a reason', async () => {
    const res = await deliver('pull_request_review', {
      action: 'submitted',
      review: { id: 3, state: 'changes_requested', user: { login: 'alice' } },
      pull_request: pr(6),
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ outcome: 'ignored', reason: 'not a pull request ABCA opened' });
    const other = await deliver('check_run', {
      action: 'completed',
      check_run: { id: 13, head_sha: 'b'.repeat(40), conclusion: 'failure', pull_requests: [] },
    });
    expect(other.body.data).toMatchObject({ outcome: 'ignored' });
    expect((await p.platform.db.query(`SELECT count(*)::int AS n FROM pr_watches`)).rows[0].n).toBe(1);
  });

  it('a malformed PR-loop delivery is a 400 naming the field', async () => {
    const res = await deliver('pull_request_review', {
      action: 'submitted',
      pull_request: { number: 'five' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error.details)).toContain('pull_request.number');
    const status = await deliver('status', { sha: 'not a sha', state: 'failure' });
    expect(status.status).toBe(400);
  });
});

describe('several pollers on one database', () => {
  it("claim different watches (FOR UPDATE SKIP LOCKED), and a claimed watch is nobody else's until released", async () => {
    for (const n of [20, 21, 22, 23, 24, 25]) await taskThatOpened(n);
    const db = p.platform.db;
    // What every poller's pass does first: a watch for each PR a task opened.
    expect(await discoverWatches(db)).toBe(6);
    await db.query(`UPDATE pr_watches SET next_poll_at = now() - interval '1 second', claimed_until = NULL`);
    const [a, b] = await Promise.all([
      claimDueWatches(db, 'poller-a', { limit: 4, leaseMs: 60_000 }),
      claimDueWatches(db, 'poller-b', { limit: 4, leaseMs: 60_000 }),
    ]);
    const ids = [...a, ...b].map((w) => w.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(7);
    expect(await claimDueWatches(db, 'poller-c', { limit: 10, leaseMs: 60_000 })).toEqual([]);
    for (const w of a) await failPoll(db, w.id, 'poller-a', 'released', 0);
    // Released: due again, and only a's rows (b still holds its own).
    const c = await claimDueWatches(db, 'poller-c', { limit: 10, leaseMs: 60_000 });
    expect(c.map((w) => w.id).sort()).toEqual(a.map((w) => w.id).sort());
    for (const w of b) await failPoll(db, w.id, 'poller-b', 'released', 0);
    for (const w of c) await failPoll(db, w.id, 'poller-c', 'released', 0);
  });

  it('two running watchers never work on one PR at once and start one iteration per PR', async () => {
    const db = p.platform.db;
    const inFlight = new Map<number, number>();
    let overlap = 0;
    let calls = 0;
    // The forge's side of GitHub as the watcher reads it: a review requesting changes on every PR.
    const forge = {
      kind: 'github',
      async listActivity(_repo, number): Promise<PrActivity> {
        calls++;
        const now = (inFlight.get(number) ?? 0) + 1;
        inFlight.set(number, now);
        if (now > 1) overlap++;
        await new Promise((r) => setTimeout(r, 30));
        inFlight.set(number, (inFlight.get(number) ?? 1) - 1);
        return {
          pr: {
            number,
            url: `https://github.com/acme/web/pull/${number}`,
            branch: `abca/change-${number}`,
            base: 'main',
            draft: false,
            title: 't',
            state: 'open',
            headSha: HEAD,
            author: 'abca-bot',
            labels: [],
            createdAt: new Date().toISOString(),
            mergedAt: null,
            closedAt: null,
          },
          reviews: [
            {
              id: `r${number}`,
              author: 'bob',
              state: 'changes_requested',
              body: 'no',
              submittedAt: new Date().toISOString(),
            },
          ],
          threads: [],
          comments: [],
          failingChecks: [],
          commits: [],
        };
      },
    } as Partial<Forge> as Forge;
    const options = {
      db,
      databaseUrl: p.databaseUrl,
      forge,
      gateway: { orchestrator: withoutAdmission(db), config: p.platform.config },
      log: createLogger({ level: 'silent' }),
      settings: { pollS: 1, pollMaxS: 1, maxIterations: 3, maxSpendUsd: 5, stopLabel: 'abca:stop' },
      botLogin: 'abca-bot',
      // bob, who requests the changes, may write to the repo.
      github: {
        permission: async (_repo: string, login: string): Promise<RepoAccess> =>
          login === 'bob' ? 'write' : 'read',
      },
      batch: 2,
    };
    const watchers = [await startPrWatcher(options), await startPrWatcher(options)];
    try {
      const deadline = Date.now() + 60_000;
      // Every watch has its iteration, and the pollers went on polling them (three polls each).
      while (Date.now() < deadline) {
        const res = await db.query(
          'SELECT count(*)::int AS n FROM pr_watches WHERE active_task_id IS NOT NULL',
        );
        if (res.rows[0].n === 7 && calls >= 7 * 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      for (const w of watchers) await w.stop();
    }
    expect(calls).toBeGreaterThanOrEqual(21);
    expect(overlap).toBe(0);
    const tasks = await db.query(
      `SELECT pr_number, count(*)::int AS n FROM tasks WHERE channel = 'pr_loop' GROUP BY pr_number ORDER BY pr_number`,
    );
    expect(tasks.rows).toEqual([5, 20, 21, 22, 23, 24, 25].map((n) => ({ pr_number: n, n: 1 })));

    // A crash after the tasks were made and before the watches recorded them: the rows are as they
    // were before. The next poll makes the same idempotency keys, so it finds the same tasks.
    const started = (
      await db.query(
        'SELECT number, active_task_id FROM pr_watches WHERE active_task_id IS NOT NULL ORDER BY number',
      )
    ).rows;
    await db.query(
      `UPDATE pr_watches SET active_task_id = NULL, seen = '{}', loop_iterations = 0, next_poll_at = now()`,
    );
    const again = await startPrWatcher(options);
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const res = await db.query(
          'SELECT count(*)::int AS n FROM pr_watches WHERE active_task_id IS NOT NULL',
        );
        if (res.rows[0].n === 7) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await again.stop();
    }
    expect(
      (
        await db.query(
          'SELECT number, active_task_id FROM pr_watches WHERE active_task_id IS NOT NULL ORDER BY number',
        )
      ).rows,
    ).toEqual(started);
    expect((await db.query(`SELECT count(*)::int AS n FROM tasks WHERE channel = 'pr_loop'`)).rows[0].n).toBe(
      7,
    );
  }, 90_000);
});

describe('GitHub access decides who may drive the watcher', () => {
  it("a reader's mention and stop do nothing; a writer's stop stops it, said once", async () => {
    const db = p.platform.db;
    await taskThatOpened(30);
    await discoverWatches(db);
    const comments = [
      { id: '300', author: 'rita', body: '@abca rewrite everything', createdAt: new Date().toISOString() },
    ];
    const said: { number: number; body: string; key: string | undefined }[] = [];
    const asked: string[] = [];
    const forge = {
      kind: 'github',
      async listActivity(_repo, number): Promise<PrActivity> {
        return {
          pr: {
            number,
            url: `https://github.com/acme/web/pull/${number}`,
            branch: `abca/change-${number}`,
            base: 'main',
            draft: false,
            title: 't',
            state: 'open',
            headSha: HEAD,
            author: 'abca-bot',
            labels: [],
            createdAt: new Date().toISOString(),
            mergedAt: null,
            closedAt: null,
          },
          reviews: [],
          threads: [],
          comments: number === 30 ? [...comments] : [],
          failingChecks: [],
          commits: [],
        };
      },
      async comment(_repo, number, body, opts) {
        said.push({ number, body, key: opts?.taskId });
      },
    } as Partial<Forge> as Forge;
    const watcher = await startPrWatcher({
      db,
      databaseUrl: p.databaseUrl,
      forge,
      gateway: { orchestrator: withoutAdmission(db), config: p.platform.config },
      log: createLogger({ level: 'silent' }),
      settings: { pollS: 1, pollMaxS: 1, maxIterations: 3, maxSpendUsd: 5, stopLabel: 'abca:stop' },
      botLogin: 'abca-bot',
      github: {
        async permission(_repo: string, login: string): Promise<RepoAccess> {
          asked.push(login);
          return login === 'walt' ? 'write' : 'read';
        },
      },
    });
    const watch30 = async () =>
      (await db.query(`SELECT * FROM pr_watches WHERE repo = 'acme/web' AND number = 30`)).rows[0];
    const until = async (what: string, pred: (w: any) => boolean) => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (pred(await watch30())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    try {
      await until("the reader's mention seen", (w) => w.seen.comments?.includes('300'));
      expect(asked).toContain('rita');
      comments.push({ id: '301', author: 'rita', body: '@abca stop', createdAt: new Date().toISOString() });
      await until("the reader's stop seen", (w) => w.seen.comments?.includes('301'));
      expect((await watch30()).watch_state).toBe('watching');
      comments.push({ id: '302', author: 'walt', body: '@abca stop', createdAt: new Date().toISOString() });
      await until('stopped', (w) => w.watch_state === 'stopped');
      const w = await watch30();
      expect(w.watch_reason).toBe('stop_comment');
      // One more poll of the stopped watch says nothing more.
      await db.query(`UPDATE pr_watches SET next_poll_at = now() WHERE id = $1`, [w.id]);
      watcher.wake();
      await until('polled again', (x) => x.polled_at > w.polled_at);
    } finally {
      await watcher.stop();
    }
    const tasks = await db.query(
      `SELECT count(*)::int AS n FROM tasks WHERE channel = 'pr_loop' AND pr_number = 30`,
    );
    expect(tasks.rows[0].n).toBe(0);
    expect(said.filter((s) => s.number === 30)).toEqual([
      {
        number: 30,
        body: expect.stringContaining('as @walt asked'),
        key: expect.stringMatching(/^pr-watch-\d+-stopped$/),
      },
    ]);
  }, 90_000);
});
