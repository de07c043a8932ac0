import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EnvCacheAdmin } from '../ports/env-cache.ts';
import type { Queryable } from '../storage/db.ts';

export interface Metrics {
  registry: Registry;
  stepDuration: Histogram<'step'>;
  tasksFinished: Counter<'status'>;
  httpRequests: Counter<'method' | 'status'>;
  /** Channel notices handled by this process's outbox dispatcher: delivered, retried, given up. */
  channelNotices: Counter<'channel' | 'outcome'>;
  /** Environment cache lookups of this process's tasks: `hit`, or the miss's reason (docs/env-cache.md). */
  envCacheLookups: Counter<'outcome'>;
}

/**
 * Prometheus metrics. Task counts by state and queue depth are read from the database at scrape
 * time, so every process reports the same platform-wide figures.
 */
export function createMetrics(db: Queryable): Metrics {
  const registry = new Registry();
  const stepDuration = new Histogram({
    name: 'abca_step_duration_seconds',
    help: 'Duration of blueprint steps run by this process',
    labelNames: ['step'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600],
    registers: [registry],
  });
  const tasksFinished = new Counter({
    name: 'abca_tasks_finished_total',
    help: 'Tasks that reached a terminal state in this process',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'abca_http_requests_total',
    help: 'HTTP requests served',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const channelNotices = new Counter({
    name: 'abca_channel_notices_total',
    help: 'Channel notices (outbox rows) delivered, retried or given up by this process',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const envCacheLookups = new Counter({
    name: 'abca_env_cache_lookups_total',
    help: 'Environment cache lookups of tasks run by this process, by outcome (hit, or the reason of the miss)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'abca_tasks',
    help: 'Tasks by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const res = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*) AS n FROM tasks GROUP BY status',
      );
      this.reset();
      for (const r of res.rows) this.set({ state: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'abca_queue_depth',
    help: 'Tasks waiting for a concurrency slot',
    registers: [registry],
    async collect() {
      const res = await db.query<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE status = 'QUEUED'");
      this.set(res.rows[0]?.n ?? 0);
    },
  });
  return { registry, stepDuration, tasksFinished, httpRequests, channelNotices, envCacheLookups };
}

/**
 * The environment cache's size on this host, read from the cache at scrape time:
 * `abca_env_cache_bytes` and `abca_env_cache_entries` (docs/env-cache.md). A cache that cannot be
 * read leaves the last figures; a scrape never fails for it.
 */
export function watchEnvCache(metrics: Metrics, cache: EnvCacheAdmin): void {
  let snapshot: Promise<{ bytes: number; entries: number }> | undefined;
  // One read of the cache serves both gauges of a scrape.
  const read = () => {
    snapshot ??= cache
      .list()
      .then((entries) => ({ bytes: entries.reduce((sum, e) => sum + e.bytes, 0), entries: entries.length }))
      .finally(() => {
        snapshot = undefined;
      });
    return snapshot;
  };
  new Gauge({
    name: 'abca_env_cache_bytes',
    help: "Bytes of the environment cache's snapshots on this host",
    registers: [metrics.registry],
    async collect() {
      const figures = await read().catch(() => undefined);
      if (figures) this.set(figures.bytes);
    },
  });
  new Gauge({
    name: 'abca_env_cache_entries',
    help: 'Snapshots in the environment cache on this host',
    registers: [metrics.registry],
    async collect() {
      const figures = await read().catch(() => undefined);
      if (figures) this.set(figures.entries);
    },
  });
}
