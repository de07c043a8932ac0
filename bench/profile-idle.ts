/**
 * What an idle platform costs: starts one (embedded PostgreSQL, no task), lets it settle, then
 * counts for a while the CPU of this process and of PostgreSQL, and the queries the platform sends,
 * by statement. Settings go to the platform as given (`ABCA_*=value` arguments).
 *
 *   node --import tsx bench/profile-idle.ts [--seconds=30] [ABCA_QUEUE_POLL_MS=1000 ...]
 */
import { startBenchPlatform } from './bench-database.ts';
import { cpuDelta, postmasterPid, sampleCpu } from './proc-cpu.ts';
import { arg, countQueries, platformSettings } from './profile-args.ts';

const SECONDS = Number(arg('seconds') ?? 30);
const settings = platformSettings();

const count = countQueries(70);
const queries = count.queries;

const bench = await startBenchPlatform(settings);
const pgPid = postmasterPid(bench.pgDataDir);
await new Promise((r) => setTimeout(r, 5000));
const before = sampleCpu(pgPid);
count.counting = true;
await new Promise((r) => setTimeout(r, SECONDS * 1000));
count.counting = false;
const d = cpuDelta(before, sampleCpu(pgPid));
const total = [...queries.values()].reduce((a, b) => a + b, 0);
console.log(`idle platform over ${SECONDS} s ${JSON.stringify(settings)}:`);
console.log(
  `  CPU per second: node ${((1000 * d.node) / SECONDS).toFixed(1)} ms + children ${((1000 * d.children) / SECONDS).toFixed(1)} ms; postgres ${((1000 * d.postgres) / SECONDS).toFixed(1)} ms; queries ${(total / SECONDS).toFixed(1)}/s`,
);
for (const [k, n] of [...queries].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${(n / SECONDS).toFixed(2).padStart(6)}/s  ${k}`);
await bench.close();
process.exit(0);
