import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

beforeAll(async () => {
  // A per-user cap of 1 keeps most of these tasks QUEUED, so nothing here races the workers.
  p = await startTestPlatform({ ABCA_MAX_TASKS_PER_USER: '1', ABCA_FAKE_DELAY_MS: '0' });
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  alice = await p.userKey('alice');
  bob = await p.userKey('bob');
});
afterAll(async () => {
  await p?.platform.stop();
});

const task = (over: Record<string, unknown> = {}) => ({
  repo: 'acme/app',
  task_description: 'Fix the bug',
  ...over,
});

describe('POST /v1/tasks', () => {
  it('creates a task: 201, envelope, X-Request-Id, Location', async () => {
    const res = await p.request('POST', '/v1/tasks', { key: alice, body: task() });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9A-Z]{26}$/);
    expect(res.headers.get('location')).toBe(`/v1/tasks/${res.body.data.task_id}`);
    expect(res.body.data).toMatchObject({
      repo: 'acme/app',
      user_id: 'alice',
      workflow_ref: 'coding/new-task-v1',
      max_turns: 100,
    });
    expect(res.body.data.branch_name).toMatch(/^abca\/[0-9a-z]{26}\/fix-the-bug$/);
  });

  it('replays an Idempotency-Key for the same user with 200 and Idempotent-Replay', async () => {
    const headers = { 'idempotency-key': 'alice-key-1' };
    const first = await p.request('POST', '/v1/tasks', { key: alice, body: task(), headers });
    const second = await p.request('POST', '/v1/tasks', { key: alice, body: task(), headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replay')).toBe('true');
    expect(second.body.data.task_id).toBe(first.body.data.task_id);
    const list = await p.request('GET', '/v1/tasks?limit=100', { key: alice });
    expect(
      list.body.data.filter((t: { task_id: string }) => t.task_id === first.body.data.task_id),
    ).toHaveLength(1);
  });

  it('answers 409 DUPLICATE_TASK to another user reusing a key, and stores nothing', async () => {
    await p.request('POST', '/v1/tasks', {
      key: alice,
      body: task(),
      headers: { 'idempotency-key': 'shared-key' },
    });
    const before = (await p.request('GET', '/v1/tasks?limit=100', { key: bob })).body.data.length;
    const res = await p.request('POST', '/v1/tasks', {
      key: bob,
      body: task(),
      headers: { 'idempotency-key': 'shared-key' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DUPLICATE_TASK');
    expect((await p.request('GET', '/v1/tasks?limit=100', { key: bob })).body.data.length).toBe(before);
  });

  it('is safe under concurrent replays of one key', async () => {
    const headers = { 'idempotency-key': 'race-key' };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => p.request('POST', '/v1/tasks', { key: alice, body: task(), headers })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(new Set(results.map((r) => r.body.data.task_id)).size).toBe(1);
  });
});

describe('ownership', () => {
  it('lets a member see only their own tasks; 403 for another user task, 404 for none', async () => {
    const mine = (await p.request('POST', '/v1/tasks', { key: alice, body: task() })).body.data.task_id;
    expect((await p.request('GET', `/v1/tasks/${mine}`, { key: alice })).status).toBe(200);
    const other = await p.request('GET', `/v1/tasks/${mine}`, { key: bob });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await p.request('DELETE', `/v1/tasks/${mine}`, { key: bob })).status).toBe(403);
    expect(
      (await p.request('POST', `/v1/tasks/${mine}/nudge`, { key: bob, body: { message: 'hi' } })).status,
    ).toBe(403);
    expect((await p.request('GET', `/v1/tasks/${mine}/events`, { key: bob })).status).toBe(403);
    const missing = await p.request('GET', '/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV', { key: alice });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('TASK_NOT_FOUND');
    const bobs = (await p.request('GET', '/v1/tasks?limit=100', { key: bob })).body.data;
    expect(bobs.every((t: { user_id: string }) => t.user_id === 'bob')).toBe(true);
    expect((await p.request('GET', `/v1/tasks/${mine}`)).status).toBe(200); // admin sees all
    const all = (await p.request('GET', '/v1/tasks?limit=100')).body.data;
    expect(new Set(all.map((t: { user_id: string }) => t.user_id))).toEqual(
      new Set(['alice', 'bob'].filter((u) => all.some((t: { user_id: string }) => t.user_id === u))),
    );
    expect((await p.request('GET', '/v1/tasks?user=alice', { key: bob })).status).toBe(403);
  });

  it('hides other users keys (404) and keeps members from minting admin keys (403)', async () => {
    const keys = await p.request('GET', '/v1/api-keys', { key: alice });
    expect(keys.body.data.every((k: { user_id: string }) => k.user_id === 'alice')).toBe(true);
    const bobKeys = (await p.request('GET', '/v1/api-keys', { key: bob })).body.data;
    const revoke = await p.request('DELETE', `/v1/api-keys/${bobKeys[0].key_id}`, { key: alice });
    expect(revoke.status).toBe(404);
    expect(revoke.body.error.code).toBe('API_KEY_NOT_FOUND');
    const mint = await p.request('POST', '/v1/api-keys', { key: alice, body: { name: 'x', role: 'admin' } });
    expect(mint.status).toBe(403);
    expect(
      (
        await p.request('POST', '/v1/repos', {
          key: alice,
          body: { repo: 'acme/other', forge: { kind: 'fake' } },
        })
      ).status,
    ).toBe(403);
  });

  it('revokes keys: a revoked key gets 401', async () => {
    const carol = await p.userKey('carol');
    expect((await p.request('GET', '/v1/tasks', { key: carol })).status).toBe(200);
    const keyId = carol.split('_')[1];
    expect((await p.request('DELETE', `/v1/api-keys/${keyId}`, { key: carol })).status).toBe(200);
    const after = await p.request('GET', '/v1/tasks', { key: carol });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('pagination', () => {
  it('walks every task once, newest first, with next_token', async () => {
    const dave = await p.userKey('dave');
    const created: string[] = [];
    for (let i = 0; i < 7; i++)
      created.push(
        (await p.request('POST', '/v1/tasks', { key: dave, body: task({ task_description: `t${i}` }) })).body
          .data.task_id,
      );
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const q: string = token ? `?limit=3&next_token=${token}` : '?limit=3';
      const res = await p.request('GET', `/v1/tasks${q}`, { key: dave });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.data.map((t: { task_id: string }) => t.task_id));
      expect(res.body.pagination.has_more).toBe(res.body.pagination.next_token !== null);
      token = res.body.pagination.next_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by status and repo', async () => {
    const res = await p.request('GET', '/v1/tasks?status=queued,submitted&repo=acme/app');
    expect(res.status).toBe(200);
    expect(res.body.data.every((t: { status: string }) => ['QUEUED', 'SUBMITTED'].includes(t.status))).toBe(
      true,
    );
  });

  it('pages through events', async () => {
    const id = (await p.request('POST', '/v1/tasks', { key: alice, body: task() })).body.data.task_id;
    const first = await p.request('GET', `/v1/tasks/${id}/events?limit=1`, { key: alice });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.data[0]).toMatchObject({ seq: 1, type: 'task.created' });
    const next = await p.request(
      'GET',
      `/v1/tasks/${id}/events?limit=1&next_token=${first.body.pagination.next_token}`,
      { key: alice },
    );
    expect(next.body.data[0].seq).toBe(2);
  });
});

describe('queueing', () => {
  it('shows queue position and an ETA for a task over the cap', async () => {
    const erin = await p.userKey('erin');
    // Positions count every waiting task: the earlier tests' waiting tasks are cancelled first
    // (running them all to the end only made this test wait).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const waiting = (await p.request('GET', '/v1/tasks?status=QUEUED,SUBMITTED&limit=100')).body.data;
      if (waiting.length === 0) break;
      if (Date.now() > deadline) throw new Error('earlier tasks never left the queue');
      for (const t of waiting as { task_id: string }[]) await p.request('DELETE', `/v1/tasks/${t.task_id}`);
    }
    const a = (
      await p.request('POST', '/v1/tasks', {
        key: erin,
        body: task({ task_description: 'slow [fake:sleep=60000]' }),
      })
    ).body.data;
    const b = (await p.request('POST', '/v1/tasks', { key: erin, body: task() })).body.data;
    const c = (await p.request('POST', '/v1/tasks', { key: erin, body: task() })).body.data;
    expect(a.status).not.toBe('QUEUED');
    expect(b).toMatchObject({ status: 'QUEUED' });
    expect(c).toMatchObject({ status: 'QUEUED' });
    expect([b.queue_position, c.queue_position]).toEqual([1, 2]);
    expect(c.estimated_wait_s).toBeGreaterThan(0);
    // Cancelling the running task frees the slot; the first queued task starts.
    expect((await p.request('DELETE', `/v1/tasks/${a.task_id}`, { key: erin })).status).toBe(200);
    await p.waitFor(b.task_id, (t) => t.status === 'COMPLETED');
    await p.waitFor(c.task_id, (t) => t.status === 'COMPLETED');
  });
});

describe('cancel and nudge', () => {
  it('cancels a running task and refuses to cancel it twice', async () => {
    const frank = await p.userKey('frank');
    const t = (
      await p.request('POST', '/v1/tasks', {
        key: frank,
        body: task({ task_description: 'long [fake:sleep=60000]' }),
      })
    ).body.data;
    await p.waitFor(t.task_id, (x) => x.status === 'RUNNING');
    const del = await p.request('DELETE', `/v1/tasks/${t.task_id}`, { key: frank });
    expect(del.status).toBe(200);
    expect(del.body.data).toMatchObject({ task_id: t.task_id, status: 'CANCELLED' });
    const again = await p.request('DELETE', `/v1/tasks/${t.task_id}`, { key: frank });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TASK_ALREADY_TERMINAL');
    expect((await p.request('GET', `/v1/tasks/${t.task_id}`, { key: frank })).body.data.status).toBe(
      'CANCELLED',
    );
  });

  it('delivers a nudge to the agent between turns', async () => {
    const gina = await p.userKey('gina');
    const t = (
      await p.request('POST', '/v1/tasks', {
        key: gina,
        body: task({ task_description: 'turns [fake:turns=3] [fake:turn_ms=400]' }),
      })
    ).body.data;
    const n = await p.request('POST', `/v1/tasks/${t.task_id}/nudge`, {
      key: gina,
      body: { message: 'use the v2 API' },
    });
    expect(n.status).toBe(202);
    expect(n.body.data.nudge_id).toMatch(/^[0-9A-Z]{26}$/);
    await p.waitFor(t.task_id, (x) => x.status === 'COMPLETED');
    const events = (await p.request('GET', `/v1/tasks/${t.task_id}/events?limit=100`, { key: gina })).body
      .data;
    expect(events.find((e: { type: string }) => e.type === 'agent.nudge_received')?.data.message).toBe(
      'use the v2 API',
    );
    const late = await p.request('POST', `/v1/tasks/${t.task_id}/nudge`, {
      key: gina,
      body: { message: 'too late' },
    });
    expect(late.status).toBe(409);
  });
});

describe('server-sent events', () => {
  it('streams a task live and ends after its terminal state', async () => {
    const hank = await p.userKey('hank');
    const t = (await p.request('POST', '/v1/tasks', { key: hank, body: task() })).body.data;
    const res = await fetch(`${p.url}/v1/tasks/${t.task_id}/events?follow=true`, {
      headers: { authorization: `Bearer ${hank}` },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids[0]).toBe(1);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(text).toContain('event: step.started');
    expect(text).toMatch(/"to":"COMPLETED"/);
    // The step that ended the task logs its completion after the terminal state; the stream waits for it.
    expect(text).toMatch(/event: step\.completed\ndata: [^\n]*"step":"finalization"/);
  });

  it('resumes from Last-Event-ID', async () => {
    const t = (await p.request('POST', '/v1/tasks', { body: task() })).body.data;
    await p.waitFor(t.task_id, (x) => x.status === 'COMPLETED');
    const res = await fetch(`${p.url}/v1/tasks/${t.task_id}/events?follow=true`, {
      headers: { authorization: `Bearer ${p.adminKey}`, 'last-event-id': '3' },
    });
    const ids = [...(await res.text()).matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids[0]).toBe(4);
  });
});

describe('operations endpoints', () => {
  it('serves /healthz and /readyz without a key', async () => {
    expect((await p.request('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await p.request('GET', '/readyz', { key: null })).body).toEqual({ status: 'ready' });
  });

  it('serves Prometheus /metrics to any valid key, and 401 in the usual envelope without one', async () => {
    const none = await p.request('GET', '/metrics', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error).toMatchObject({ code: 'UNAUTHORIZED', request_id: expect.any(String) });
    expect(JSON.stringify(none.body)).not.toContain('abca_tasks');
    const bad = await p.request('GET', '/metrics', { key: 'abca_nope_nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('UNAUTHORIZED');
    for (const key of [p.adminKey, alice]) {
      const m = await p.request('GET', '/metrics', { key });
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toContain('text/plain');
      expect(m.body).toMatch(/abca_tasks\{state="COMPLETED"\} \d+/);
      expect(m.body).toContain('abca_queue_depth');
      expect(m.body).toMatch(/abca_step_duration_seconds_bucket\{le="[^"]+",step="admission"\}/);
    }
  });
});
