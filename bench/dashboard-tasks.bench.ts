/**
 * The dashboard's task list with 10,000 tasks in the database: the time of `GET /tasks` (session,
 * filters, the page's query, queue positions, rendering) for an admin and a member, unfiltered and
 * filtered by state, repo, user and channel; next to a bare SELECT of one page through the same
 * PostgreSQL and an empty HTTP round trip, measured in the same run. Each run takes the median of
 * its samples of every case and of the baselines; the figures are the median of the runs with their
 * spread. API-only platform.
 */
import { TASK_STATUSES } from '@abca/contracts';
import pg from 'pg';
import { monotonicFactory } from 'ulid';
import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, fromRuns, percentile, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const TASKS = 10_000;
const SAMPLES = 10;
const RUNS = benchConfig.runs;
const USERS = 10;
const REPOS = 20;
const CHANNELS = ['api', 'cli', 'webhook', 'github', 'slack'];

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

async function signIn(url: string, key: string): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key }).toString(),
    redirect: 'manual',
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

export async function run(): Promise<BenchResult[]> {
  const bench = await startBenchPlatform({}, { apiOnly: true });
  const url = bench.platform.url as string;
  const keys: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const res = await fetch(`${url}/v1/api-keys`, {
      method: 'POST',
      headers: bench.headers,
      body: JSON.stringify({ name: `u${u}`, user_id: `u${u}`, role: 'member' }),
    });
    keys.push(((await res.json()) as { data: { key: string } }).data.key);
  }
  const pool = new pg.Pool({ connectionString: bench.databaseUrl, max: 2 });
  const nextId = monotonicFactory();
  const base = Date.now() - TASKS * 1000;
  for (let off = 0; off < TASKS; off += 1000) {
    const rows = Array.from({ length: Math.min(1000, TASKS - off) }, (_, j) => {
      const i = off + j;
      return {
        id: nextId(base + i * 1000),
        user: `u${i % USERS}`,
        repo: `acme/r${i % REPOS}`,
        status: TASK_STATUSES[(i * 7) % TASK_STATUSES.length] as string,
        channel: CHANNELS[i % CHANNELS.length] as string,
        at: new Date(base + i * 1000),
      };
    });
    await pool.query(
      `INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, task_description, max_turns, channel, created_at)
       SELECT id, u, r, s, 'coding/new-task-v1', 'Fix the flaky test in module ' || id, 100, ch, at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS x(id, u, r, s, ch, at)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.user),
        rows.map((r) => r.repo),
        rows.map((r) => r.status),
        rows.map((r) => r.channel),
        rows.map((r) => r.at),
      ],
    );
  }
  await pool.query('ANALYZE tasks');
  const empty = await startEmptyServer();
  const admin = await signIn(url, bench.headers.authorization?.replace('Bearer ', '') ?? '');
  const member = await signIn(url, keys[3] as string);
  const page = (cookie: string, query: string) => async () => {
    const res = await fetch(`${url}/tasks${query}`, { headers: { cookie } });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('<table class="tasks">'))
      throw new Error(`GET /tasks${query}: ${res.status}`);
  };
  const cases: [string, string, string][] = [
    ['admin, no filter', admin, ''],
    ['admin, state QUEUED', admin, '?status=QUEUED'],
    ['admin, repo', admin, '?repo=acme%2Fr7'],
    ['admin, user', admin, '?user=u5'],
    ['admin, channel', admin, '?channel=slack'],
    ['admin, state + repo + channel', admin, '?status=FAILED&repo=acme%2Fr3&channel=github'],
    ['member, own tasks', member, ''],
    ['member, state RUNNING', member, '?status=RUNNING'],
  ];
  const bare: number[] = [];
  const http: number[] = [];
  const times = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  for (let r = 0; r < RUNS; r++) {
    bare.push(await timeIt(() => pool.query('SELECT * FROM tasks ORDER BY task_id DESC LIMIT 51')));
    http.push(await timeIt(async () => (await fetch(empty.url)).text()));
    for (const [label, cookie, query] of cases) times.get(label)?.push(await timeIt(page(cookie, query)));
  }
  await pool.end();
  empty.close();
  const results: BenchResult[] = cases.map(([label]) =>
    fromRuns(`GET /tasks (${TASKS} tasks), ${label}: median of ${SAMPLES}`, times.get(label) ?? [], 'ms', {
      name: 'bare SELECT of a page',
      values: bare,
    }),
  );
  results.push(fromRuns(`empty HTTP round trip: median of ${SAMPLES}`, http, 'ms'));
  await bench.close();
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Dashboard task list', results);
  process.exit(0);
}
