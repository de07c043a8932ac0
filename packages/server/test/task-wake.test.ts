import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/store/event-store.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createTaskWake } from './support/task-wake.ts';
import { until } from './support/until.ts';

/**
 * The tests' waits on a task wake at its events (support/task-wake.ts) instead of polling the API:
 * a watch must wake at its own task's event rows, keep one that came before its wait, ignore other
 * tasks, and leave no connection behind.
 */
let p: TestPlatform;
let a: string;
let b: string;

beforeAll(async () => {
  p = await startTestPlatform({}, { apiOnly: true });
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/wake', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  const task = async (d: string) =>
    (await p.request('POST', '/v1/tasks', { body: { repo: 'acme/wake', task_description: d } })).body.data
      .task_id as string;
  a = await task('a');
  b = await task('b');
});
afterAll(async () => {
  await p?.platform.stop();
});

const listeners = async () =>
  Number(
    (
      await p.platform.db.query(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN abca_task_events'`,
      )
    ).rows[0].n,
  );

describe('a test wait on a task', () => {
  it("wakes at its task's event, keeps one that came before the wait, and ignores other tasks", async () => {
    const before = await listeners();
    const wake = createTaskWake(p.databaseUrl);
    const onA = await wake.watch(a);
    const onB = await wake.watch(b);
    expect(await listeners()).toBe(before + 1); // one connection for every watch

    // No event yet: a short wait times out.
    expect(await onA.wait(50)).toBe('timeout');
    const waiting = onA.wait(60_000);
    await appendEvent(p.platform.db, a, 'sandbox.warning', { message: 'one' });
    expect(await waiting).toBe('notified');

    // An event of A does not wake B's watch.
    expect(await onB.wait(300)).toBe('timeout');

    // An event that comes before the wait is not lost.
    await appendEvent(p.platform.db, b, 'sandbox.warning', { message: 'two' });
    await until('the notification', async () => (await onB.wait(10)) === 'notified' || undefined, 10_000, 0);
    onA.close();
    onB.close();
    // The connection goes a moment after the last watch.
    await until('the listener to close', async () => (await listeners()) === before || undefined, 10_000);
  });

  it('waitFor and waitForEvent return the change an event announces', async () => {
    const seen = p.waitForEvent(a, (e) => e.type === 'sandbox.warning' && e.data.message === 'three');
    await appendEvent(p.platform.db, a, 'sandbox.warning', { message: 'three' });
    expect((await seen).data.message).toBe('three');
    const cancelled = p.waitFor(b, (t) => t.status === 'CANCELLED');
    expect((await p.request('DELETE', `/v1/tasks/${b}`)).status).toBe(200);
    expect((await cancelled).status).toBe('CANCELLED');
  });
});
