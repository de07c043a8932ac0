import { readFileSync } from 'node:fs';
import type { Db } from '../storage/db.ts';

export interface ExecutorRow {
  executor_id: string;
  hostname: string;
  pid: number;
  heartbeat_at: Date;
}

/**
 * Whether a process of this host lives. A zombie (ended, not yet reaped by its parent) answers
 * `kill(pid, 0)` like a live one, so Linux's `/proc` is asked for its state too.
 */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch (err) {
    // Gone since, or no /proc on this system (the kill above answered then).
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Claims a stable, unique executor id for this process. Without an explicit id it takes the
 * lowest `<host>-<kind>-<n>` that is free, held by a dead process on this host, or stale and not
 * held by a live process of this host, so a restarted worker gets its old id back and DBOS
 * recovers its workflows at launch.
 */
export async function claimExecutorId(
  db: Db,
  opts: { kind: string; hostname: string; pid: number; staleMs: number; explicitId?: string },
): Promise<string> {
  const tryClaim = async (id: string, force: boolean): Promise<boolean> => {
    const res = await db.query<ExecutorRow>(
      'SELECT executor_id, hostname, pid, heartbeat_at FROM executors WHERE executor_id = $1',
      [id],
    );
    const row = res.rows[0];
    if (!row) {
      const ins = await db.query(
        'INSERT INTO executors (executor_id, kind, hostname, pid) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [id, opts.kind, opts.hostname, opts.pid],
      );
      return (ins.rowCount ?? 0) > 0;
    }
    // Another process of this host: its pid says whether it lives, and a live holder keeps its id
    // even when its heartbeat is late (a process still starting on a loaded machine beats only once
    // launched): two live processes under one id would each recover the other's workflows.
    // Elsewhere (or this very process), only a stale heartbeat frees the id.
    const claimable =
      row.hostname === opts.hostname && row.pid !== opts.pid
        ? !pidAlive(row.pid)
        : Date.now() - row.heartbeat_at.getTime() > opts.staleMs;
    if (!force && !claimable) return false;
    const upd = await db.query(
      `UPDATE executors SET kind = $2, hostname = $3, pid = $4, started_at = now(), heartbeat_at = now(),
         stopped_at = NULL, recovered_at = NULL
       WHERE executor_id = $1 AND pid = $5 AND hostname = $6`,
      [id, opts.kind, opts.hostname, opts.pid, row.pid, row.hostname],
    );
    return (upd.rowCount ?? 0) > 0;
  };
  if (opts.explicitId) {
    await tryClaim(opts.explicitId, true);
    return opts.explicitId;
  }
  for (let n = 1; n <= 1000; n++) {
    const id = `${opts.hostname}-${opts.kind}-${n}`;
    if (await tryClaim(id, false)) return id;
  }
  throw new Error('no free executor id: more than 1000 live executors on this host');
}

export async function heartbeat(db: Db, executorId: string, pid: number): Promise<void> {
  await db.query(
    'UPDATE executors SET heartbeat_at = now(), pid = $2, recovered_at = NULL WHERE executor_id = $1',
    [executorId, pid],
  );
}

export async function markStopped(db: Db, executorId: string): Promise<void> {
  await db.query('UPDATE executors SET stopped_at = now() WHERE executor_id = $1', [executorId]);
}

/**
 * The condition on `executors` of another executor that stopped or went silent and is not recovered
 * yet: `self` is the parameter of this executor's id, `staleMs` the one of the heartbeat's age.
 */
export const unrecoveredDead = (self: string, staleMs: string) =>
  `executor_id <> ${self} AND recovered_at IS NULL
   AND (stopped_at IS NOT NULL OR heartbeat_at < now() - make_interval(secs => ${staleMs}::float8 / 1000))`;

/**
 * Takes over executors whose heartbeat stopped, or that stopped cleanly (a drain leaves their
 * interrupted workflows pending): marks them recovered (one live process wins each) and returns
 * their ids, whose unfinished workflows the caller resumes.
 */
export async function claimDeadExecutors(db: Db, self: string, staleMs: number): Promise<string[]> {
  const res = await db.query<{ executor_id: string }>(
    `UPDATE executors SET recovered_at = now() WHERE ${unrecoveredDead('$1', '$2')} RETURNING executor_id`,
    [self, staleMs],
  );
  return res.rows.map((r) => r.executor_id);
}

export async function listExecutors(
  db: Db,
): Promise<(ExecutorRow & { kind: string; stopped_at: Date | null })[]> {
  const res = await db.query(
    'SELECT executor_id, kind, hostname, pid, heartbeat_at, stopped_at FROM executors ORDER BY executor_id',
  );
  return res.rows;
}
