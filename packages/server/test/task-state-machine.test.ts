import { canTransition, TASK_STATUSES, type TaskStatus, VALID_TRANSITIONS } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { appendEvent, listEvents } from '../src/store/event-store.ts';
import { getTask, transition } from '../src/store/task-store.ts';
import { createTask } from './support/stored-task.ts';

let db: Db;

beforeAll(async () => {
  db = createPool(await createTestDatabase('sm'));
  await migrate(db);
  await createApiKey(db, { name: 'u', userId: 'u1', role: 'member' });
});
afterAll(async () => {
  await db.end();
});

/** Puts a fresh task directly in `status` (setup only; the transition under test uses the store). */
async function taskIn(status: TaskStatus): Promise<string> {
  const created = await createTask(db, {
    repo: 'acme/app',
    task_description: 'x',
    user_id: 'u1',
    max_turns: 10,
  });
  if (created.kind !== 'created') throw new Error('setup');
  await db.query('UPDATE tasks SET status = $2 WHERE task_id = $1', [created.task.task_id, status]);
  return created.task.task_id;
}

const pairs = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as const));

describe('task state machine on PostgreSQL', () => {
  it.each(pairs.filter(([f, t]) => canTransition(f, t)))('allows %s -> %s and logs it', async (from, to) => {
    const id = await taskIn(from);
    const row = await transition(db, id, to);
    expect(row?.status).toBe(to);
    expect((await getTask(db, id))?.status).toBe(to);
    const events = await listEvents(db, id, { after: 0, limit: 10 });
    expect(events.at(-1)).toMatchObject({ type: 'task.status_changed', data: { from, to } });
  });

  it.each(pairs.filter(([f, t]) => !canTransition(f, t)))(
    'refuses %s -> %s and changes nothing',
    async (from, to) => {
      const id = await taskIn(from);
      const before = await getTask(db, id);
      expect(await transition(db, id, to)).toBeUndefined();
      const after = await getTask(db, id);
      expect(after?.status).toBe(from);
      expect(after?.updated_at).toEqual(before?.updated_at);
    },
  );

  it("sets the task's current step with the event of the step's start, in one statement", async () => {
    const id = await taskIn('HYDRATING');
    const before = await getTask(db, id);
    await appendEvent(
      db,
      id,
      'step.started',
      { step: 'hydration', attempt: 1, executor_id: 'e' },
      { currentStep: 'hydration' },
    );
    const after = await getTask(db, id);
    expect(after?.current_step).toBe('hydration');
    expect(after?.updated_at.getTime()).toBeGreaterThan(before?.updated_at.getTime() ?? 0);
    expect((await listEvents(db, id, { after: 0, limit: 10 })).at(-1)).toMatchObject({
      type: 'step.started',
      data: { step: 'hydration' },
    });
    // Any other event leaves the step as it is.
    await appendEvent(db, id, 'sandbox.warning', { message: 'x' });
    expect((await getTask(db, id))?.current_step).toBe('hydration');
  });

  it('terminal states have no way out', () => {
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'] as const)
      expect(VALID_TRANSITIONS[s]).toEqual([]);
  });

  it('lets exactly one of many racing writers win a transition', async () => {
    const id = await taskIn('RUNNING');
    const results = await Promise.all([
      transition(db, id, 'CANCELLED'),
      transition(db, id, 'FINALIZING'),
      transition(db, id, 'FAILED'),
      transition(db, id, 'TIMED_OUT'),
      transition(db, id, 'CANCELLED'),
    ]);
    const winners = results.filter(Boolean);
    expect(winners).toHaveLength(1);
    const changes = (await listEvents(db, id, { after: 0, limit: 20 })).filter(
      (e) => e.type === 'task.status_changed',
    );
    expect(changes).toHaveLength(1);
  });

  it('honours an explicit from-set', async () => {
    const id = await taskIn('HYDRATING');
    expect(await transition(db, id, 'CANCELLED', { from: ['RUNNING'] })).toBeUndefined();
    expect((await transition(db, id, 'CANCELLED', { from: ['HYDRATING'] }))?.status).toBe('CANCELLED');
  });

  it('stamps completed_at on terminal states and keeps the error block', async () => {
    const id = await taskIn('RUNNING');
    const error = { code: 'AGENT_STUCK', message: 'm', remedy: 'r', retryable: false };
    const row = await transition(db, id, 'FAILED', { patch: { error } });
    expect(row?.completed_at).toBeInstanceOf(Date);
    expect(row?.error).toEqual(error);
  });

  it('refuses updates to the event log', async () => {
    const id = await taskIn('SUBMITTED');
    await expect(db.query('UPDATE task_events SET type = $2 WHERE task_id = $1', [id, 'x'])).rejects.toThrow(
      /append-only/,
    );
  });
});
