/**
 * Task creation throughput through the API (validation, auth, insert, event, admission), next to
 * a bare INSERT into the same PostgreSQL and an empty HTTP round trip, at the same concurrency,
 * run by run in turns (so the machine's load falls on all three alike): each figure is the median
 * of the runs with its spread. API-only platform, so no workflow competes for the two cores. The
 * load comes from a client process of its own (`create-load.ts`: `node:http` with kept-alive
 * connections, and a `pg` pool for the INSERTs), as a real client's would: the server's process
 * spends its CPU on the server alone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, fromRuns, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';
import { type CreateLoadPlan, CreateLoadResult } from './create-load.ts';

const TOTAL = benchConfig.createTotal;
const RUNS = benchConfig.runs;
const CONCURRENCY = 8;
const CLIENT = fileURLToPath(new URL('./create-load.ts', import.meta.url));

/** Runs the load client with `plan` and answers its rates. */
async function load(plan: CreateLoadPlan): Promise<CreateLoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stdin.end(JSON.stringify(plan));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const text = Buffer.concat(out).toString('utf8').trim();
  if (code !== 0) throw new Error(`the load client exited with ${code}: ${text.slice(-500)}`);
  return CreateLoadResult.parse(JSON.parse(text.split('\n').at(-1) ?? ''));
}

export async function run(): Promise<BenchResult[]> {
  const bench = await startBenchPlatform(
    { ABCA_MAX_TASKS_PER_USER: '100000', ABCA_MAX_TASKS_PER_REPO: '100000', ABCA_MAX_TASKS: '100000' },
    { apiOnly: true },
  );
  const empty = await startEmptyServer();
  try {
    const { insert, http, create } = await load({
      apiUrl: `${bench.platform.url}/v1/tasks`,
      emptyUrl: empty.url,
      databaseUrl: bench.databaseUrl,
      headers: bench.headers,
      body: JSON.stringify({ repo: 'acme/app', task_description: 'Fix the bug' }),
      total: TOTAL,
      concurrency: CONCURRENCY,
      runs: RUNS,
    });
    const name = `task creation via API, ${TOTAL} tasks a run, concurrency ${CONCURRENCY}, client in its own process`;
    return [
      fromRuns(name, create, 'ops/s', { name: 'bare INSERT into PostgreSQL', values: insert }),
      fromRuns(name, create, 'ops/s', { name: 'empty HTTP round trip', values: http }),
    ];
  } finally {
    empty.close();
    await bench.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Task creation', results);
  process.exit(0);
}
