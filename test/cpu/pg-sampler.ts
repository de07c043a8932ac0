import { childPids, procCpu, processTitle } from './proc-cpu.ts';

/** What the run's PostgreSQL spent, in CPU milliseconds. */
export interface PgCpu {
  /** Every process of the server, the ones that ended included (exact). */
  totalMs: number;
  /** Per database, from its backends as last sampled (a backend's CPU after its last sample is missed). */
  byDatabase: Map<string, number>;
}

export interface PgSampler {
  stop(): PgCpu;
}

/**
 * Samples the backends of a PostgreSQL server every `everyMs` from /proc: each backend's process
 * title names its database (`postgres: user db host(port) state`), so a file's database tells what
 * its platform cost the server. Processes that serve no database (checkpointer, WAL writer, the
 * launcher) count under `(server)`. Reads /proc only: no session of its own on the server.
 */
export function startPgSampler(postmasterPid: number, everyMs = 200): PgSampler {
  const total = () => {
    const own = procCpu(postmasterPid);
    if (!own) return 0;
    let live = 0;
    for (const pid of childPids(postmasterPid)) live += procCpu(pid)?.selfMs ?? 0;
    return own.selfMs + own.childrenMs + live;
  };
  const start = total();
  const seen = new Map<number, { db: string; ms: number }>();
  const sample = () => {
    for (const pid of childPids(postmasterPid)) {
      const cpu = procCpu(pid);
      if (!cpu) continue;
      const prev = seen.get(pid);
      // A pid reused by a new backend starts again from its own small count.
      if (prev && cpu.selfMs >= prev.ms) prev.ms = cpu.selfMs;
      else seen.set(pid, { db: databaseOf(processTitle(pid)), ms: cpu.selfMs });
    }
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      sample();
      clearInterval(timer);
      const byDatabase = new Map<string, number>();
      for (const { db, ms } of seen.values()) byDatabase.set(db, (byDatabase.get(db) ?? 0) + ms);
      return { totalMs: total() - start, byDatabase };
    },
  };
}

function databaseOf(title: string): string {
  // `postgres: <user> <db> <host>(<port>) <state>`, or `[local]` for a Unix socket's client;
  // background processes have no host part.
  const m =
    /^postgres: \S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(title) ??
    /^postgres: autovacuum worker (\S+)/.exec(title);
  return m?.[1] ?? '(server)';
}
