/**
 * Task creation throughput through the API (validation, auth, insert, event, admission and
 * enqueue), next to a bare INSERT into the same PostgreSQL and an empty HTTP round trip, at the
 * same concurrency, run by run in turns (so the machine's load falls on all three alike): each
 * figure is the median of the runs with its spread. API-only platform, so no workflow competes for
 * the two cores. The client is `node:http` with kept-alive connections, for the API and the empty
 * server alike.
 */
import { Agent, request } from 'node:http';
import pg from 'pg';
import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, fromRuns, printTable, throughput } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const TOTAL = benchConfig.createTotal;
const RUNS = benchConfig.runs;
const CONCURRENCY = 8;

/** POSTs `body` to `url` and answers the status, the body read to its end. */
function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

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
  const empty = await startEmptyServer();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const api = new URL(`${bench.platform.url}/v1/tasks`);
  const emptyUrl = new URL(empty.url);
  const plain = { 'content-type': 'application/json' };
  // A warm-up creation, so the first run does not pay for compiling the path.
  await throughput(CONCURRENCY * 4, CONCURRENCY, () => post(agent, api, bench.headers, body));
  const insert: number[] = [];
  const http: number[] = [];
  const create: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    insert.push(
      await throughput(TOTAL, CONCURRENCY, (i) =>
        pool.query('INSERT INTO bare (id, body) VALUES ($1, $2)', [`id-${r}-${i}`, body]),
      ),
    );
    http.push(await throughput(TOTAL, CONCURRENCY, () => post(agent, emptyUrl, plain, body)));
    create.push(
      await throughput(TOTAL, CONCURRENCY, async () => {
        const status = await post(agent, api, bench.headers, body);
        if (status !== 201) throw new Error(`create failed: ${status}`);
      }),
    );
  }
  agent.destroy();
  await pool.end();
  empty.close();
  await bench.close();
  const name = `task creation via API, ${TOTAL} tasks a run, concurrency ${CONCURRENCY}`;
  return [
    fromRuns(name, create, 'ops/s', { name: 'bare INSERT into PostgreSQL', values: insert }),
    fromRuns(name, create, 'ops/s', { name: 'empty HTTP round trip', values: http }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Task creation', results);
  process.exit(0);
}
