/**
 * Task creation throughput through the API (validation, auth, insert, event, admission and
 * enqueue), next to a bare INSERT into the same PostgreSQL and an empty HTTP round trip, at the
 * same concurrency. API-only platform, so no workflow competes for the two cores.
 */
import pg from 'pg';
import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, printTable, throughput, withBaseline } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const TOTAL = benchConfig.createTotal;
const CONCURRENCY = 8;

export async function run(): Promise<BenchResult[]> {
  const bench = await startBenchPlatform(
    { ABCA_MAX_TASKS_PER_USER: '100000', ABCA_MAX_TASKS_PER_REPO: '100000', ABCA_MAX_TASKS: '100000' },
    { apiOnly: true },
  );
  const pool = new pg.Pool({ connectionString: bench.databaseUrl, max: CONCURRENCY });
  await pool.query(
    'CREATE TABLE bare (id text PRIMARY KEY, body jsonb, created_at timestamptz DEFAULT now())',
  );
  const body = JSON.stringify({ repo: 'acme/app', task_description: 'Fix the bug' });
  const insertRate = await throughput(TOTAL, CONCURRENCY, (i) =>
    pool.query('INSERT INTO bare (id, body) VALUES ($1, $2)', [`id-${i}`, body]),
  );
  await pool.end();
  const empty = await startEmptyServer();
  const httpRate = await throughput(TOTAL, CONCURRENCY, async () =>
    (await fetch(empty.url, { method: 'POST', body })).text(),
  );
  empty.close();
  const url = `${bench.platform.url}/v1/tasks`;
  const createRate = await throughput(TOTAL, CONCURRENCY, async () => {
    const res = await fetch(url, { method: 'POST', headers: bench.headers, body });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    await res.text();
  });
  await bench.close();
  const name = `task creation via API, ${TOTAL} tasks, concurrency ${CONCURRENCY}`;
  return [
    withBaseline(name, createRate, 'ops/s', 'bare INSERT into PostgreSQL', insertRate),
    withBaseline(name, createRate, 'ops/s', 'empty HTTP round trip', httpRate),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Task creation', results);
  process.exit(0);
}
