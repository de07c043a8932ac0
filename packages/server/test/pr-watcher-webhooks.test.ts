import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '@abca/fake-github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask } from '../src/store/task-store.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

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
  const created = await createTask(p.platform.db, {
    repo: 'acme/web',
    task_description: 'Add a page',
    user_id: 'admin',
    max_turns: 10,
  });
  if (created.kind !== 'created') throw new Error('task not created');
  await p.platform.db.query(
    `UPDATE tasks SET status = 'COMPLETED', completed_at = now(), branch_name = 'abca/page',
       outcome = '{"pr":{"number":5,"url":"https://github.com/acme/web/pull/5","draft":false}}' WHERE task_id = $1`,
    [created.task.task_id],
  );
}, 120_000);
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
