import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { claimExecutorId } from '../src/orchestrator/executors.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { until } from './support/until.ts';

/**
 * Executor ids: the lowest free `<host>-<kind>-<n>`, taken back from a process that died, never
 * from one that lives. Two workers once got the same id on a loaded machine: the second came to
 * the first's row more than the stale bound after the first wrote it (a process beats only once
 * launched), found it stale and took it, and both then answered for each other's workflows.
 */
let db: Db;
const HOST = 'idhost';
const children: ChildProcess[] = [];
const STALE_MS = 2000;
const claim = (pid: number, hostname = HOST) =>
  claimExecutorId(db, { kind: 'worker', hostname, pid, staleMs: STALE_MS });

/** A live process of this host, and its pid. */
function live(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

/** Writes an executor row as another process left it, its heartbeat `ageMs` old. */
async function holder(id: string, pid: number, ageMs: number, hostname = HOST): Promise<void> {
  await db.query(
    `INSERT INTO executors (executor_id, kind, hostname, pid, heartbeat_at)
     VALUES ($1, 'worker', $2, $3, now() - make_interval(secs => $4::float8 / 1000))`,
    [id, hostname, pid, ageMs],
  );
}

beforeAll(async () => {
  db = createPool(await createTestDatabase('executor_id'), 4);
});

beforeEach(async () => {
  await db.query('DELETE FROM executors');
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await db?.end();
});

describe('claimExecutorId', () => {
  it('takes the lowest free number, and the next one while the first is held', async () => {
    expect(await claim(live())).toBe(`${HOST}-worker-1`);
    expect(await claim(live())).toBe(`${HOST}-worker-2`);
  });

  it('never takes the id of a live process of this host, however late its heartbeat', async () => {
    await holder(`${HOST}-worker-1`, live(), 10 * STALE_MS);
    expect(await claim(live())).toBe(`${HOST}-worker-2`);
  });

  it('takes back the id of a process of this host that died, fresh heartbeat or not', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.on('close', r));
    await holder(`${HOST}-worker-1`, gone.pid as number, 0);
    expect(await claim(live())).toBe(`${HOST}-worker-1`);
  });

  it('takes back the id of a process that ended and was not reaped yet (a zombie)', async () => {
    // The background shell ends only once the main one has become `sleep` (its `comm`), which never
    // waits for its children: it stays a zombie. (Ending at once, the shell could reap it first.)
    const script = 'sh -c "until grep -qx sleep /proc/$$/comm; do sleep 0.01; done" & echo $!; exec sleep 60';
    const sh = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(sh);
    const zombie = await new Promise<number>((resolve) =>
      sh.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    const state = () => {
      try {
        return readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0];
      } catch {
        return 'gone';
      }
    };
    await until('the child to be a zombie', () => state() === 'Z' || state() === 'gone', 30_000);
    expect(state()).toBe('Z');
    await holder(`${HOST}-worker-1`, zombie, 0);
    expect(await claim(live())).toBe(`${HOST}-worker-1`);
  });

  it("takes another host's id only once its heartbeat is stale", async () => {
    // Its pid means nothing here: pid 1 lives on this host too, and must not count.
    await holder(`${HOST}-worker-1`, 1, 0, 'elsewhere');
    expect(await claim(live())).toBe(`${HOST}-worker-2`);
    await db.query('DELETE FROM executors');
    await holder(`${HOST}-worker-1`, 1, 10 * STALE_MS, 'elsewhere');
    expect(await claim(live())).toBe(`${HOST}-worker-1`);
  });

  it('gives processes claiming at once an id each', async () => {
    const pids = [live(), live(), live(), live()];
    const ids = await Promise.all(pids.map((pid) => claim(pid)));
    expect(new Set(ids).size).toBe(4);
  });

  it('gives a second process its own id when it comes long after the first claimed', async () => {
    // The first is still starting: no heartbeat since its claim, older than the stale bound.
    const first = await claim(live());
    await db.query(`UPDATE executors SET heartbeat_at = now() - interval '1 minute' WHERE executor_id = $1`, [
      first,
    ]);
    const second = await claim(live());
    expect(second).not.toBe(first);
  });
});
