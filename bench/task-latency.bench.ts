/**
 * Latency from submit (client sends POST /v1/tasks) to the start of the agent step, on an idle
 * platform with the fake agent, next to an empty HTTP round trip.
 */

import { startBenchPlatform, startEmptyServer } from './bench-database.ts';
import { type BenchResult, percentile, printTable, withBaseline } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const SAMPLES = benchConfig.latencySamples;

export async function run(): Promise<BenchResult[]> {
  const empty = await startEmptyServer();
  const http: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await (await fetch(empty.url)).text();
    http.push(performance.now() - t0);
  }
  empty.close();
  const bench = await startBenchPlatform({});
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = Date.now();
    const res = await fetch(`${bench.platform.url}/v1/tasks`, {
      method: 'POST',
      headers: bench.headers,
      body: JSON.stringify({ repo: 'acme/app', task_description: `latency ${i}` }),
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
  await bench.close();
  return [
    withBaseline(
      'submit -> agent step start, p50',
      percentile(latencies, 50),
      'ms',
      'empty HTTP round trip p50',
      percentile(http, 50),
    ),
    withBaseline(
      'submit -> agent step start, p95',
      percentile(latencies, 95),
      'ms',
      'empty HTTP round trip p95',
      percentile(http, 95),
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Submit to agent start', results);
  process.exit(0);
}
