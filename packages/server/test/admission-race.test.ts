import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { admitWaitingTasks } from '../src/orchestrator/dispatcher.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { getTask } from '../src/store/task-store.ts';
import { createTask } from './support/stored-task.ts';

/**
 * Admission and a cancel racing on one waiting task: the cancel (another process, holding the
 * task's row) commits while admission is deciding. Admission must leave the cancelled task alone,
 * not write it back to SUBMITTED (then QUEUED or running), which made a cancelled task run and a
 * second cancel "succeed".
 */
let url: string;
let db: Db;
const caps = { perUser: 10, perRepo: 10, global: 10 };

beforeAll(async () => {
  url = await createTestDatabase('admission_race');
  db = createPool(url, 4);
  await migrate(db);
  await db.query("INSERT INTO users (user_id, role) VALUES ('alice', 'member')");
});
afterAll(async () => {
  await db?.end();
});

async function waitingTask(description: string): Promise<string> {
  const made = await createTask(db, {
    repo: 'acme/app',
    task_description: description,
    user_id: 'alice',
    max_turns: 10,
  });
  if (made.kind !== 'created') throw new Error('not created');
  return made.task.task_id;
}

/** Cancels `taskId` in a transaction of its own, committed only when `commit` is called. */
async function cancelHeldOpen(taskId: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT status FROM tasks WHERE task_id = $1 FOR UPDATE', [taskId]);
  await c.query(
    "UPDATE tasks SET status = 'CANCELLED', completed_at = clock_timestamp() WHERE task_id = $1",
    [taskId],
  );
  return {
    async commit() {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

/** Until a session of this database waits on a row lock: admission, blocked by the open cancel. */
async function waitForLockWait(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if ((res.rows[0]?.n ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error('admission never waited on the cancelled task');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('admission racing a cancel', () => {
  it('does not admit a task cancelled while admission was deciding', async () => {
    const taskId = await waitingTask('cancelled while admitted');
    const cancel = await cancelHeldOpen(taskId);
    const admitting = admitWaitingTasks(db, caps);
    // Admission waits on the cancel's row lock (before the fix: having read the task as waiting).
    await waitForLockWait();
    await cancel.commit();
    const admitted = await admitting;
    expect(admitted).not.toContain(taskId);
    const task = await getTask(db, taskId);
    expect(task?.status).toBe('CANCELLED');
    expect(task?.admitted_at).toBeNull();
  });

  it('does not queue a task cancelled while admission was deciding', async () => {
    const taskId = await waitingTask('cancelled while queued');
    const cancel = await cancelHeldOpen(taskId);
    // No room: admission would move it to QUEUED.
    const admitting = admitWaitingTasks(db, { perUser: 0, perRepo: 0, global: 0 });
    await waitForLockWait();
    await cancel.commit();
    await admitting;
    expect((await getTask(db, taskId))?.status).toBe('CANCELLED');
  });

  it('still admits and queues the tasks nobody touched', async () => {
    const a = await waitingTask('admitted');
    expect((await admitWaitingTasks(db, caps)).map((x) => x.taskId)).toContain(a);
    expect((await getTask(db, a))?.admitted_at).not.toBeNull();
  });
});
