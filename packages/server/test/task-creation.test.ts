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
