/**
 * Latency from submit (client sends POST /v1/tasks) to the start of the agent step, on an idle
 * platform with the fake agent, next to an empty HTTP round trip. Each run takes its samples of
 * both in turn; the figures are the median of the runs' p50 and p95, with their spread.
 */

import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, fromRuns, percentile, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const SAMPLES = benchConfig.latencySamples;
const RUNS = benchConfig.runs;

export async function run(): Promise<BenchResult[]> {
  const empty = await startEmptyServer();
  const bench = await startBenchPlatform({});
  const httpRun = async () => {
    const http: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await (await fetch(empty.url)).text();
      http.push(performance.now() - t0);
    }
    return http;
  };
  const taskRun = async (run: number) => {
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = Date.now();
      const res = await fetch(`${bench.platform.url}/v1/tasks`, {
        method: 'POST',
        headers: bench.headers,
        body: JSON.stringify({ repo: 'acme/app', task_description: `latency ${run}.${i}` }),
      });
      const id = ((await res.json()) as { data: { task_id: string } }).data.task_id;
      for (;;) {
        const hit = await bench.platform.db.query<{ at: Date }>(
          "SELECT at FROM task_events WHERE task_id = $1 AND type = 'step.started' AND data->>'step' = 'agent-execution'",
          [id],
        );
        if (hit.rows[0]) {
          latencies.push(hit.rows[0].at.getTime() - t0);
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      // Let the task finish so each sample starts on an idle platform.
      for (;;) {
        const t = await bench.platform.db.query<{ completed_at: Date | null }>(
          'SELECT completed_at FROM tasks WHERE task_id = $1',
          [id],
        );
        if (t.rows[0]?.completed_at) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    return latencies;
  };
  const p50: number[] = [];
  const p95: number[] = [];
  const http50: number[] = [];
  const http95: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const http = await httpRun();
    http50.push(percentile(http, 50));
    http95.push(percentile(http, 95));
    const latencies = await taskRun(r);
    p50.push(percentile(latencies, 50));
    p95.push(percentile(latencies, 95));
  }
  empty.close();
  await bench.close();
  return [
    fromRuns(`submit -> agent step start, p50 of ${SAMPLES}`, p50, 'ms', {
      name: 'empty HTTP round trip p50',
      values: http50,
    }),
    fromRuns(`submit -> agent step start, p95 of ${SAMPLES}`, p95, 'ms', {
      name: 'empty HTTP round trip p95',
      values: http95,
    }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Submit to agent start', results);
  process.exit(0);
}
