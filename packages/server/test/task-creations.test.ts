import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import {
  type CreationAdmission,
  type CreationOutcome,
  createTasks,
  type NewTask,
  newTask,
} from '../src/store/task-creations.ts';

/**
 * A group of creations in one statement (migration 027's abca_create_tasks): each task checked and
 * stored in the order given, one bad task refused on its own, idempotent duplicates answered with
 * the first, and admission deciding in the same transaction as admission itself would.
 */
let db: Db;
const ACTIVE = "('SUBMITTED','HYDRATING','RUNNING','AWAITING_APPROVAL','FINALIZING')";

beforeAll(async () => {
  db = createPool(await createTestDatabase('task_creations'), 4);
  await migrate(db);
  await db.query(
    "INSERT INTO users (user_id, role) VALUES ('ann', 'member'), ('bob', 'member'), ('cy', 'member'), ('dan', 'member')",
  );
  await db.query(
    `INSERT INTO repos (repo, forge, settings) VALUES ('acme/app', '{"kind":"fake"}', '{}'),
       ('acme/lib', '{"kind":"fake"}', '{"max_turns": 7, "max_budget_usd": 3}'),
       ('acme/spent', '{"kind":"fake"}', '{"monthly_budget_usd": 1}')`,
  );
});
beforeEach(async () => {
  // Each test starts with no task holding a slot or waiting.
  await db.query(
    `UPDATE tasks SET status = 'COMPLETED', completed_at = now() WHERE status IN ${ACTIVE} OR status = 'QUEUED'`,
  );
});
afterAll(async () => {
  await db?.end();
});

const task = (userId: string, repo: string, extra: Partial<Parameters<typeof newTask>[0]> = {}): NewTask =>
  newTask({ body: { repo, task_description: `a task of ${userId}` }, userId, defaultMaxTurns: 10, ...extra });

/** An outcome with its stored task (created or replayed). */
type Made = Extract<CreationOutcome, { task: unknown }>;

const idOf = (o: CreationOutcome | undefined) => (o && 'task' in o ? o.task.task_id : undefined);

async function eventsOf(
  taskId: string,
): Promise<{ seq: number; type: string; data: Record<string, unknown> }[]> {
  const res = await db.query('SELECT seq, type, data FROM task_events WHERE task_id = $1 ORDER BY seq', [
    taskId,
  ]);
  return res.rows;
}

describe('a group of creations', () => {
  it('stores each task in the order given and answers each in that order; one refused task fails alone', async () => {
    await db.query(
      `INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, max_turns, cost_usd)
       VALUES ('00SPENT', 'cy', 'acme/spent', 'COMPLETED', 'coding/new-task-v1', 5, 2)`,
    );
    const group = [
      task('ann', 'acme/app'),
      task('ann', 'acme/nowhere'),
      task('bob', 'acme/lib'),
      task('cy', 'acme/spent'),
      task('bob', 'acme/app', {
        body: { repo: 'acme/app', task_description: 'mine', max_turns: 3, max_budget_usd: 2 },
      }),
    ];
    const { outcomes, admitted } = await createTasks(db, group, undefined);
    expect(admitted).toEqual([]);
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'not_onboarded', 'created', 'budget', 'created']);
    expect(outcomes[3]).toEqual({ kind: 'budget', scope: 'repo', budgetUsd: 1, spentUsd: 2 });
    const ids = outcomes.map(idOf);
    expect(ids[0]).toBe(group[0]?.taskId);
    expect(ids[2]).toBe(group[2]?.taskId);
    expect(ids[4]).toBe(group[4]?.taskId);
    // In order: ids and creation times both ascend (first come, first served).
    const rows = await db.query<{ task_id: string }>(
      'SELECT task_id FROM tasks WHERE task_id = ANY($1) ORDER BY created_at, task_id',
      [ids.filter(Boolean)],
    );
    expect(rows.rows.map((r) => r.task_id)).toEqual([ids[0], ids[2], ids[4]]);
    // Defaults: the request's, else the repo's settings, else the platform's.
    const created = outcomes.filter((o): o is Made => o.kind === 'created');
    expect(created.map((o) => [o.task.max_turns, o.task.max_budget_usd])).toEqual([
      [10, null],
      [7, 3],
      [3, 2],
    ]);
    expect(created.every((o) => o.task.status === 'SUBMITTED' && o.task.admitted_at === null)).toBe(true);
    expect(created.every((o) => o.waiting?.position !== undefined)).toBe(true);
    for (const o of created) {
      expect(await eventsOf(o.task.task_id)).toEqual([
        {
          seq: 1,
          type: 'task.created',
          data: { status: 'SUBMITTED', repo: o.task.repo, user_id: o.task.user_id },
        },
      ]);
    }
  });

  it('answers a key used twice in one group with the first task, and refuses it to another user', async () => {
    const key = `k-${Date.now()}`;
    const { outcomes } = await createTasks(
      db,
      [
        task('ann', 'acme/app', { idempotencyKey: key }),
        task('ann', 'acme/app', { idempotencyKey: key }),
        task('bob', 'acme/app', { idempotencyKey: key }),
      ],
      undefined,
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'replay', 'conflict']);
    expect(idOf(outcomes[1])).toBe(idOf(outcomes[0]));
    const n = await db.query('SELECT count(*)::int AS n FROM tasks WHERE idempotency_key = $1', [key]);
    expect(n.rows[0].n).toBe(1);
    // A later group too.
    const again = await createTasks(db, [task('ann', 'acme/app', { idempotencyKey: key })], undefined);
    expect(again.outcomes[0]?.kind).toBe('replay');
    expect(idOf(again.outcomes[0])).toBe(idOf(outcomes[0]));
  });

  it('stores nothing of a group whose statement fails', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM tasks');
    await expect(
      createTasks(db, [task('ann', 'acme/app'), task('nobody', 'acme/app')], undefined),
    ).rejects.toThrow(/foreign key/);
    const after = await db.query('SELECT count(*)::int AS n FROM tasks');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('admission in the creation', () => {
  const admission = (global: number, perUser = 10, perRepo = 10): CreationAdmission => ({
    caps: { global, perUser, perRepo },
  });

  it('admits what fits as it is stored and queues the rest, with the events admission writes', async () => {
    const { outcomes, admitted } = await createTasks(
      db,
      [task('ann', 'acme/app'), task('bob', 'acme/app'), task('ann', 'acme/app'), task('cy', 'acme/lib')],
      admission(3, 1),
    );
    const ids = outcomes.map(idOf) as string[];
    // ann's second task is over her cap; cy's fits the global cap still.
    expect(admitted.map((a) => a.taskId)).toEqual([ids[0], ids[1], ids[3]]);
    expect(admitted.every((a) => a.runSeq === 0 && a.resumeStep === null)).toBe(true);
    const o = outcomes as Made[];
    expect(o.map((x) => x.task.status)).toEqual(['SUBMITTED', 'SUBMITTED', 'QUEUED', 'SUBMITTED']);
    expect(o.map((x) => x.task.admitted_at !== null)).toEqual([true, true, false, true]);
    expect(o.map((x) => x.waiting?.position ?? null)).toEqual([null, null, 1, null]);
    expect((await eventsOf(ids[0] as string)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'task.created'],
      [2, 'task.admitted'],
    ]);
    expect(await eventsOf(ids[2] as string)).toEqual([
      { seq: 1, type: 'task.created', data: { status: 'SUBMITTED', repo: 'acme/app', user_id: 'ann' } },
      {
        seq: 2,
        type: 'task.status_changed',
        data: { from: 'SUBMITTED', to: 'QUEUED', reason: 'user_cap', queue_position: 1 },
      },
    ]);
  });

  it('while tasks wait, a new one goes behind them: admission decides for all, first come first served', async () => {
    const first = await createTasks(db, [task('ann', 'acme/app'), task('ann', 'acme/app')], admission(1));
    const [running, waiting] = first.outcomes.map(idOf) as string[];
    expect(first.admitted.map((a) => a.taskId)).toEqual([running]);
    const second = await createTasks(db, [task('bob', 'acme/app')], admission(1));
    const late = idOf(second.outcomes[0]) as string;
    expect(second.admitted).toEqual([]);
    const o = second.outcomes[0] as Made;
    expect(o.task.status).toBe('QUEUED');
    expect(o.waiting?.position).toBe(2);
    // A slot frees: the one that waited longest goes first, in the next creation's admission.
    await db.query("UPDATE tasks SET status = 'COMPLETED' WHERE task_id = $1", [running]);
    const third = await createTasks(db, [task('cy', 'acme/app')], admission(1));
    expect(third.admitted.map((a) => a.taskId)).toEqual([waiting]);
    const after = third.outcomes[0] as Made;
    expect(after.waiting?.position).toBe(2);
    const pos = await db.query<{ task_id: string }>(
      `SELECT task_id FROM tasks WHERE admitted_at IS NULL AND status IN ('SUBMITTED','QUEUED') ORDER BY created_at, task_id`,
    );
    expect(pos.rows.map((r) => r.task_id)).toEqual([late, after.task.task_id]);
  });

  /** `n` tasks of `user` waiting (QUEUED, never admitted), older than anything a test creates. */
  async function waiting(user: string, n: number, prefix: string): Promise<void> {
    await db.query(
      `INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, max_turns, event_seq, created_at)
       SELECT $2 || lpad(i::text, 5, '0'), $1, 'acme/app', 'QUEUED', 'coding/new-task-v1', 5, 2,
         now() - interval '1 hour' + i * interval '1 ms'
       FROM generate_series(1, $3::int) i`,
      [user, prefix, n],
    );
  }

  it('past 1,000 waiting tasks a new one is QUEUED at once, with its place and what holds it', async () => {
    const first = await createTasks(db, [task('ann', 'acme/app')], admission(1));
    expect(first.admitted).toHaveLength(1);
    await waiting('dan', 1000, 'W1');
    const { outcomes, admitted } = await createTasks(db, [task('bob', 'acme/app')], admission(1));
    expect(admitted).toEqual([]);
    const o = outcomes[0] as Made;
    expect(o.task.status).toBe('QUEUED');
    expect(o.waiting?.position).toBe(1001);
    expect((await eventsOf(o.task.task_id)).map((e) => e.data)).toEqual([
      { status: 'SUBMITTED', repo: 'acme/app', user_id: 'bob' },
      { from: 'SUBMITTED', to: 'QUEUED', reason: 'global_cap', queue_position: 1001 },
    ]);
    // Several in one group: each counted from the one before it.
    const group = await createTasks(db, [task('bob', 'acme/app'), task('cy', 'acme/app')], admission(1));
    const made = group.outcomes as Made[];
    expect(made.map((m) => [m.task.status, m.waiting?.position])).toEqual([
      ['QUEUED', 1002],
      ['QUEUED', 1003],
    ]);
    const positions = await Promise.all(made.map(async (m) => (await eventsOf(m.task.task_id))[1]?.data));
    expect(positions.map((d) => d?.queue_position)).toEqual([1002, 1003]);
  });

  it('admits a task that fits behind 1,000 that cannot (their user is at its cap)', async () => {
    const first = await createTasks(db, [task('dan', 'acme/app')], admission(10, 1));
    expect(first.admitted).toHaveLength(1);
    await waiting('dan', 1000, 'W2');
    const { outcomes, admitted } = await createTasks(db, [task('bob', 'acme/app')], admission(10, 1));
    const o = outcomes[0] as Made;
    expect(admitted.map((a) => a.taskId)).toEqual([o.task.task_id]);
    expect(o.task.status).toBe('SUBMITTED');
    expect(o.task.admitted_at).not.toBeNull();
    // dan's still wait, in their order.
    const still = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM tasks WHERE user_id = 'dan' AND status = 'QUEUED' AND admitted_at IS NULL",
    );
    expect(Number(still.rows[0]?.n)).toBe(1000);
  });

  it('says `long_queue` of a task that waits only behind 1,000 others that could run', async () => {
    // Stored without admission (as by a process that could not admit): 1,000 that fit the caps.
    await waiting('dan', 1000, 'W3');
    const { outcomes, admitted } = await createTasks(
      db,
      [task('bob', 'acme/app')],
      admission(5000, 5000, 5000),
    );
    // The walk takes the first 1,000 of the line; the new task is the 1,001st.
    expect(admitted).toHaveLength(1000);
    const o = outcomes[0] as Made;
    expect(o.task.status).toBe('QUEUED');
    expect(o.waiting?.position).toBe(1);
    expect((await eventsOf(o.task.task_id))[1]?.data).toEqual({
      from: 'SUBMITTED',
      to: 'QUEUED',
      reason: 'long_queue',
      queue_position: 1,
    });
  });

  it('tells the workers when it admitted a task, at commit', async () => {
    const listener = await db.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.channel));
      await listener.query('LISTEN test_admitted');
      await createTasks(db, [task('ann', 'acme/app')], {
        caps: { global: 10, perUser: 10, perRepo: 10 },
        notify: 'test_admitted',
      });
      await createTasks(db, [task('ann', 'acme/nowhere')], {
        caps: { global: 10, perUser: 10, perRepo: 10 },
        notify: 'test_admitted',
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual(['test_admitted']);
    } finally {
      await listener.query('UNLISTEN *');
      listener.release();
    }
  });
});
