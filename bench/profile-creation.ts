/**
 * Where a task creation's CPU goes: the task-creation bench's load (a client process of its own,
 * 8 creations in flight through the API) against an API-only platform in this process, under the
 * V8 profiler. Prints CPU per creation (this process, the embedded PostgreSQL), the database
 * statements per creation, and the functions and files that spent this process's CPU.
 *
 *   node --import tsx bench/profile-creation.ts [--total=2000] [--out=creation.cpuprofile]
 *     [--no-profile] (CPU figures only) [ABCA_SETTING=value ...] (settings for the platform)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { startBenchPlatform } from './bench-database.ts';
import { type CpuProfile, printProfile } from './cpu-profile-report.ts';
import { type CreateLoadPlan, CreateLoadResult } from './create-load.ts';
import { cpuDelta, postmasterPid, sampleCpu } from './proc-cpu.ts';
import { arg, countQueries, platformSettings } from './profile-args.ts';

const TOTAL = Number(arg('total') ?? 2000);
const CONCURRENCY = Number(arg('concurrency') ?? 8);
const out = arg('out');
const profiling = !process.argv.includes('--no-profile');
const settings = platformSettings();

const count = countQueries(80);
const queries = count.queries;

const bench = await startBenchPlatform(
  {
    ABCA_MAX_TASKS_PER_USER: '100000',
    ABCA_MAX_TASKS_PER_REPO: '100000',
    ABCA_MAX_TASKS: '100000',
    ...settings,
  },
  { apiOnly: true },
);
const pgPid = postmasterPid(bench.pgDataDir);
const plan: CreateLoadPlan = {
  apiUrl: `${bench.platform.url}/v1/tasks`,
  emptyUrl: `${bench.platform.url}/healthz`,
  databaseUrl: bench.databaseUrl,
  headers: bench.headers,
  body: JSON.stringify({ repo: 'acme/app', task_description: 'Fix the bug' }),
  total: TOTAL,
  concurrency: CONCURRENCY,
  runs: 1,
  createOnly: true,
};
const client = fileURLToPath(new URL('./create-load.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', client], { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdin.end(JSON.stringify(plan));
const lines: string[] = [];
let warm: () => void = () => {};
const warmed = new Promise<void>((resolve) => {
  warm = resolve;
});
let buffered = '';
child.stdout.on('data', (d: Buffer) => {
  buffered += d.toString('utf8');
  for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
    const line = buffered.slice(0, i).trim();
    buffered = buffered.slice(i + 1);
    if (line === 'warm') warm();
    else if (line) lines.push(line);
  }
});
const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
await Promise.race([warmed, exited]);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const before = sampleCpu(pgPid);
const usage = process.cpuUsage();
if (profiling) await session.post('Profiler.start');
count.counting = true;
child.kill('SIGUSR2');
const code = await exited;
count.counting = false;
const { profile } = profiling
  ? ((await session.post('Profiler.stop')) as unknown as { profile: CpuProfile })
  : { profile: undefined };
const d = cpuDelta(before, sampleCpu(pgPid));
const split = process.cpuUsage(usage);
if (code !== 0) throw new Error(`the load client exited with ${code}`);
const rate = CreateLoadResult.parse(JSON.parse(lines.at(-1) ?? '')).create[0] ?? 0;
const us = (s: number) => ((s * 1e6) / TOTAL).toFixed(0).padStart(6);
console.log(`${TOTAL} creations through the API, ${CONCURRENCY} in flight: ${rate.toFixed(0)}/s`);
console.log(
  `  CPU per creation: node ${us(d.node)} µs (user ${us(split.user / 1e6)}, system ${us(split.system / 1e6)}); postgres ${us(d.postgres)} µs`,
);
const qTotal = [...queries.values()].reduce((a, b) => a + b, 0);
console.log(`\ndatabase statements per creation: ${(qTotal / TOTAL).toFixed(2)}`);
for (const [k, n] of [...queries].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`  ${(n / TOTAL).toFixed(2).padStart(6)}  ${k}`);
if (out && profile) writeFileSync(out, JSON.stringify(profile));
if (profile) printProfile(profile, TOTAL, 'creation', 'us');
await bench.close();
process.exit(0);
