import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { claimAndStart } from '../src/orchestrator/start-claim.ts';
import {
  authenticate,
  clearKeyCache,
  createApiKey,
  KEY_CACHE_MS,
  revokeApiKey,
} from '../src/store/api-key-store.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * Task creation's fast path (docs/benchmarks.md, "Task creation"): API keys kept a few seconds
 * per process with revocation honoured, the creation's few statements, and a task answered 201
 * whose workflow never started (its process died) still run by another process.
 */
let p: TestPlatform;
let worker: PlatformProcess | undefined;
let handOffWorker: PlatformProcess | undefined;
/** The test's own connections: they outlive the platform's. */
let db: pg.Pool;

beforeAll(async () => {
  // The test drives admission itself; no reconcile tick adds queries to the ones counted.
  p = await startTestPlatform(
    {
      ABCA_RECONCILE_MS: '600000',
      ABCA_MAX_TASKS: '1000',
      ABCA_MAX_TASKS_PER_USER: '1000',
      ABCA_MAX_TASKS_PER_REPO: '1000',
    },
    { apiOnly: true },
  );
  db = new pg.Pool({ connectionString: p.databaseUrl, max: 2 });
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/fast', forge: { kind: 'fake' } } });
}, 120_000);
afterAll(async () => {
  vi.useRealTimers();
  await handOffWorker?.kill('SIGTERM');
  await worker?.kill('SIGTERM');
  await p?.platform.stop().catch(() => {});
  await db?.end();
});

describe('the API key cache', () => {
  it('keeps a valid key a few seconds, checks the secret every time, and drops a key revoked here at once', async () => {
    clearKeyCache();
    const { key, info } = await createApiKey(p.platform.db, { name: 'k1', userId: 'kim', role: 'member' });
    const principal = await authenticate(p.platform.db, key);
    expect(principal).toMatchObject({ userId: 'kim', role: 'member', keyId: info.key_id });
    // A wrong secret for the cached key id is refused: the cache holds the hash, not a verdict.
    const forged = `${key.slice(0, -4)}AAAA` === key ? `${key.slice(0, -4)}BBBB` : `${key.slice(0, -4)}AAAA`;
    expect(await authenticate(p.platform.db, forged)).toBeUndefined();
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(200);
    expect(await revokeApiKey(p.platform.db, info.key_id)).toBe(true);
    expect(await authenticate(p.platform.db, key)).toBeUndefined();
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(401);
  });

  it('through the API too: DELETE /v1/api-keys/{id} stops the key on the next request', async () => {
    const key = await p.userKey('lea');
    expect((await p.request('GET', '/v1/tasks', { key })).status).toBe(200);
    const id = /^abca_([0-9A-Z]{26})_/.exec(key)?.[1];
    expect((await p.request('DELETE', `/v1/api-keys/${id}`)).status).toBe(200);
    const after = await p.request('GET', '/v1/tasks', { key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHORIZED');
  });

  it('stops a key revoked by another process within KEY_CACHE_MS', async () => {
    clearKeyCache();
    const { key, info } = await createApiKey(p.platform.db, { name: 'k2', userId: 'max', role: 'member' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await authenticate(p.platform.db, key)).toBeDefined();
      // Another process revokes it: this one is not told.
      await p.platform.db.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1', [info.key_id]);
      // Within the bound this process may still trust its copy (that is the cache at work) ...
      expect(await authenticate(p.platform.db, key)).toBeDefined();
      // ... and past it, it reads the key again and refuses it.
      vi.setSystemTime(Date.now() + KEY_CACHE_MS);
      expect(await authenticate(p.platform.db, key)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('never trusts a key id read from another database', async () => {
    clearKeyCache();
    const { key } = await createApiKey(p.platform.db, { name: 'k3', userId: 'ned', role: 'member' });
    expect(await authenticate(p.platform.db, key)).toBeDefined();
    // Another pool, standing for another platform's database: the key is read from it (and found there too).
    const other = { query: vi.fn(async () => ({ rows: [] })) } as unknown as typeof p.platform.db;
    expect(await authenticate(other, key)).toBeUndefined();
    expect(other.query).toHaveBeenCalledTimes(1);
  });
});

describe('a creation', () => {
  it('costs one statement on the platform database: checks, insert, admission and the answer in one', async () => {
    const key = await p.userKey('olga');
    const body = { repo: 'acme/fast', task_description: 'count my statements' };
    // Warm: the key is cached and the user exists.
    expect((await p.request('POST', '/v1/tasks', { key, body })).status).toBe(201);
    const seen: string[] = [];
    const db = p.platform.db;
    const original = db.query.bind(db);
    const spy = vi.spyOn(db, 'query').mockImplementation(((q: unknown, ...rest: unknown[]) => {
      const text = typeof q === 'string' ? q : (q as { text?: string }).text;
      // The heartbeat runs on its own clock.
      if (text && !text.includes('UPDATE executors')) seen.push(text);
      return (original as (...a: unknown[]) => unknown)(q, ...rest);
    }) as typeof db.query);
    try {
      const N = 5;
      for (let i = 0; i < N; i++) {
        const res = await p.request('POST', '/v1/tasks', { key, body });
        expect(res.status).toBe(201);
        expect(res.body.data.status).toBe('SUBMITTED');
      }
      expect(seen.length).toBe(N);
      expect(seen.every((t) => t.includes('abca_create_tasks'))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('creations at the same moment', () => {
  it('go together where they can; a creation the database refuses fails alone, the others are made', async () => {
    const key = await p.userKey('gus');
    // The database refuses one task (as it would a value it cannot store): its group fails, and
    // each of the group's tasks is made again alone.
    await db.query(`
      CREATE FUNCTION test_refuse_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused in this test'; END $$;
      CREATE TRIGGER test_refuse_task BEFORE INSERT ON tasks
        FOR EACH ROW WHEN (NEW.task_description = 'refuse me') EXECUTE FUNCTION test_refuse_task();`);
    const seen: string[] = [];
    const pdb = p.platform.db;
    const original = pdb.query.bind(pdb);
    const spy = vi.spyOn(pdb, 'query').mockImplementation(((q: unknown, ...rest: unknown[]) => {
      const text = typeof q === 'string' ? q : (q as { text?: string }).text;
      if (text?.includes('abca_create_tasks')) seen.push(text);
      return (original as (...a: unknown[]) => unknown)(q, ...rest);
    }) as typeof pdb.query);
    try {
      const descriptions = ['one', 'two', 'refuse me', 'three', 'four', 'five', 'six', 'seven'];
      const answers = await Promise.all(
        descriptions.map((d, i) =>
          p.request('POST', '/v1/tasks', {
            key,
            body: { repo: 'acme/fast', task_description: d },
            headers: { 'Idempotency-Key': `together-${Date.now()}-${i}` },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 500, 201, 201, 201, 201, 201]);
      expect(answers[2]?.body.error.code).toBe('INTERNAL_ERROR');
      for (const [i, a] of answers.entries()) {
        if (i === 2) continue;
        expect(a.body.data.task_description).toBe(descriptions[i]);
        const stored = await db.query('SELECT task_description FROM tasks WHERE task_id = $1', [
          a.body.data.task_id,
        ]);
        expect(stored.rows[0]?.task_description).toBe(descriptions[i]);
      }
      const refused = await db.query("SELECT 1 FROM tasks WHERE task_description = 'refuse me'");
      expect(refused.rowCount).toBe(0);
      // The made tasks are admitted (their groups' admission, or the one after the task made alone).
      const ids = answers.filter((a) => a.status === 201).map((a) => a.body.data.task_id as string);
      const admitted = await db.query(
        'SELECT count(*)::int AS n FROM tasks WHERE task_id = ANY($1) AND admitted_at IS NOT NULL',
        [ids],
      );
      expect(admitted.rows[0].n).toBe(7);
      // One statement per group (and one per task made again alone): fewer than one per task
      // whenever two came together; at most a group of all plus each alone.
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.length).toBeLessThanOrEqual(8 + 8);
      // No worker is to run them after this test (the hand-over tests below count on that).
      for (const id of ids) expect((await p.request('DELETE', `/v1/tasks/${id}`)).status).toBe(200);
    } finally {
      spy.mockRestore();
      await db.query('DROP TRIGGER test_refuse_task ON tasks; DROP FUNCTION test_refuse_task()');
    }
  });

  it('every answer carries the request id: made, replayed, refused, not found, redirected', async () => {
    const body = { repo: 'acme/fast', task_description: 'my request id' };
    const headers = { 'Idempotency-Key': `rid-${Date.now()}` };
    const made = await p.request('POST', '/v1/tasks', {
      body,
      headers: { ...headers, 'X-Request-Id': 'mine-1' },
    });
    expect(made.status).toBe(201);
    expect(made.headers.get('x-request-id')).toBe('mine-1');
    const again = await p.request('POST', '/v1/tasks', { body, headers });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(again.headers.get('x-request-id')).toMatch(/^[0-9A-Z]{26}$/);
    const refused = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/none', task_description: 'x' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.request_id).toBe(refused.headers.get('x-request-id'));
    const missing = await p.request('GET', '/v1/nothing-here');
    expect(missing.headers.get('x-request-id')).toBe(missing.body.error.request_id);
    const res = await fetch(`${p.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9A-Z]{26}$/);
    expect((await p.request('DELETE', `/v1/tasks/${made.body.data.task_id}`)).status).toBe(200);
  });
});

/** Polls the task's status until it is `want` or the deadline passes; answers the last seen. */
async function waitStatus(id: string, want: string, ms = 90_000): Promise<string> {
  const deadline = Date.now() + ms;
  let status = '';
  while (Date.now() < deadline) {
    const res = await db.query<{ status: string }>('SELECT status FROM tasks WHERE task_id = $1', [id]);
    status = res.rows[0]?.status ?? '';
    if (status === want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

/** A worker that never reconciles during the test: only the hand-over can start a task there. */
function spawnHandOffWorker(): Promise<PlatformProcess> {
  return spawnPlatform('worker', {
    DATABASE_URL: p.databaseUrl,
    ABCA_HOME: p.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_RECONCILE_MS: '600000',
  });
}

describe('an API-only process hands its admitted tasks to the workers', () => {
  it('records no workflow itself; a worker told by the notification starts the task (no reconciler involved)', async () => {
    // Neither process reconciles during the test: only the hand-over can start the task.
    handOffWorker = await spawnHandOffWorker();
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/fast', task_description: 'run me on a worker' },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.task_id as string;
    expect(await waitStatus(id, 'COMPLETED')).toBe('COMPLETED');
    const wf = await db.query<{ executor_id: string }>(
      'SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1',
      [id],
    );
    expect(wf.rows).toEqual([{ executor_id: handOffWorker.executorId }]);
    // The API process recorded no workflow at all, for this task or any other.
    const own = await db.query('SELECT 1 FROM dbos.workflow_status WHERE executor_id = $1', [
      p.platform.executorId,
    ]);
    expect(own.rowCount).toBe(0);
    await handOffWorker.kill('SIGTERM');
    handOffWorker = undefined;
  }, 180_000);

  it('a worker that starts later takes the tasks admitted while no worker ran', async () => {
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/fast', task_description: 'wait for a worker' },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.task_id as string;
    handOffWorker = await spawnHandOffWorker();
    expect(await waitStatus(id, 'COMPLETED')).toBe('COMPLETED');
    await handOffWorker.kill('SIGTERM');
    handOffWorker = undefined;
  }, 180_000);

  it('claims: three processes starting the same admitted tasks at once start each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await p.request('POST', '/v1/tasks', {
        body: { repo: 'acme/fast', task_description: `claim me ${i}` },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.data.task_id as string);
    }
    const starts: string[] = [];
    // A start records the workflow as DBOS does (on a queue nobody serves), a little slowly, so the
    // three claims overlap.
    const start = async (run: { taskId: string }) => {
      starts.push(run.taskId);
      await new Promise((r) => setTimeout(r, 30));
      await db.query(
        `INSERT INTO dbos.workflow_status (workflow_uuid, status, name, executor_id, queue_name)
         VALUES ($1, 'ENQUEUED', 'test', 'test-claim', 'abca-test-claim')`,
        [run.taskId],
      );
    };
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: p.databaseUrl, max: 1 }));
    try {
      const results = await Promise.all(
        pools.map((pool) => claimAndStart(pool, { taskIds: ids, limit: 10 }, start)),
      );
      expect([...starts].sort()).toEqual([...ids].sort());
      expect(
        results
          .flat()
          .map((r) => r.taskId)
          .sort(),
      ).toEqual([...ids].sort());
      // Started is started: another claim finds nothing.
      expect(await claimAndStart(pools[0] as pg.Pool, { taskIds: ids, limit: 10 }, start)).toEqual([]);
      // A claim with a grace leaves fresh admissions alone.
      const fresh = await p.request('POST', '/v1/tasks', {
        body: { repo: 'acme/fast', task_description: 'too fresh' },
      });
      const freshId = fresh.body.data.task_id as string;
      expect(
        await claimAndStart(pools[0] as pg.Pool, { taskIds: [freshId], limit: 10, minAgeMs: 60_000 }, start),
      ).toEqual([]);
      expect(
        (await claimAndStart(pools[0] as pg.Pool, { taskIds: [freshId], limit: 10 }, start)).map(
          (r) => r.taskId,
        ),
      ).toEqual([freshId]);
      ids.push(freshId);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      // Nobody serves that queue: the tasks are cancelled, so no later process picks them up.
      for (const id of ids) await p.request('DELETE', `/v1/tasks/${id}`);
      await db.query("DELETE FROM dbos.workflow_status WHERE queue_name = 'abca-test-claim'");
    }
  }, 120_000);
});

describe('a task answered 201 whose workflow never started', () => {
  it('is started by another process after this one died', async () => {
    // Workflow records cannot be written: the start after the answer fails, as if the process died there.
    await db.query(`
      CREATE FUNCTION test_no_workflows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'no workflow records in this test'; END $$;
      CREATE TRIGGER test_no_workflows BEFORE INSERT ON dbos.workflow_status
        FOR EACH ROW EXECUTE FUNCTION test_no_workflows();`);
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/fast', task_description: 'survive my creator' },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.task_id as string;
    const row = await db.query('SELECT admitted_at FROM tasks WHERE task_id = $1', [id]);
    expect(row.rows[0].admitted_at).not.toBeNull();
    // The process ends (its stop waits for the start it tried, which failed).
    await p.platform.stop();
    const wf = await db.query('SELECT 1 FROM dbos.workflow_status WHERE workflow_uuid = $1', [id]);
    expect(wf.rowCount).toBe(0);
    await db.query('DROP TRIGGER test_no_workflows ON dbos.workflow_status');
    // Another process: its reconciler finds an admitted task without a workflow and starts it.
    worker = await spawnPlatform('worker', {
      DATABASE_URL: p.databaseUrl,
      ABCA_HOME: p.home,
      ABCA_AGENT_RUNTIME: 'fake',
      ABCA_NOTIFIER: 'fake',
      ABCA_RECONCILE_MS: '200',
    });
    const deadline = Date.now() + 90_000;
    let status = '';
    while (Date.now() < deadline) {
      const res = await db.query<{ status: string }>('SELECT status FROM tasks WHERE task_id = $1', [id]);
      status = res.rows[0]?.status ?? '';
      if (status === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('COMPLETED');
  }, 180_000);
});
