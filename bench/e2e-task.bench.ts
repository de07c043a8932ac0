/**
 * The platform's own cost on an end-to-end task: a plain-git repo of a few thousand files, the
 * built-in agent with a zero-latency scripted model making one commit, the bubblewrap sandbox.
 *
 * - Overhead: submit -> COMPLETED of one task at a time, paired run by run with the floor measured
 *   in the same run (a plain `git clone` of the same repo, a commit and a `git push` of a branch);
 *   median of `BENCH_E2E_TASKS` runs (5) with the spread, and per step.
 * - CPU-seconds per task: this process (API, workflow, agent, model server) and its child
 *   processes (git, bwrap, socat, the sandbox's commands, the agent's own `git commit` included),
 *   from /proc, next to the floor's CPU; the embedded PostgreSQL's apart.
 * - Throughput at N concurrent trivial tasks (`BENCH_E2E_CONCURRENCY`, 1,10,50): N submitted at
 *   once, tasks/s until the last completes, CPU-seconds per task, and the pre-flight p50 (which
 *   grows when admitted tasks queue inside their steps). The per-user and per-repo caps are lifted
 *   so the global cap (`ABCA_MAX_TASKS`: the default from the cores, or `BENCH_E2E_MAX_TASKS`)
 *   decides how many run at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedModelServer, reply } from '../packages/model-kit/src/index.ts';
import { loadConfig } from '../packages/server/src/config/config.ts';
import { startBenchPlatform } from './bench-database.ts';
import { removeBenchFolder } from './bench-folders.ts';
import { makeBenchRepo } from './bench-repo.ts';
import { type BenchResult, fromRuns, percentile, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';
import { type CpuSample, cpuDelta, postmasterPid, sampleCpu } from './proc-cpu.ts';

const FILES = benchConfig.e2eRepoFiles;
const RUNS = benchConfig.e2eTasks;
const STEPS = ['admission', 'hydration', 'pre-flight', 'agent-execution', 'finalization'];

/**
 * A folder for the floor's clones treated as the platform treats its workspaces folder: marked
 * to spread on disk (`chattr +T`, see ops/spread-folder.ts) where the file system allows it. On
 * this machine's ext4 (no journal), files made among the blocks of a folder just removed cost
 * about half a millisecond of kernel time each: a floor cloning next to its previous, removed
 * clone was slowed by that, and flattered the ratio.
 */
function floorFolder(dir: string): string {
  const floor = join(dir, 'floor');
  mkdirSync(floor);
  try {
    execFileSync('chattr', ['+T', floor], { stdio: 'ignore' });
  } catch {
    console.error('e2e: the floor folder could not be marked +T (not ext2/3/4?); the platform skips it too');
  }
  return floor;
}

/**
 * The floor: what any tool must do at least to turn a repo into a pushed branch with a commit. Its
 * clone stays until the bench ends, as the platform's workspaces stay (for the task's retention):
 * on a file system that skips recently deleted inodes (ext4 without a journal, this machine's),
 * removing 3,000 files just before the next task made that task's checkout pay for each of them
 * (pre-flight 312 ms against 186 ms with no floor between tasks, 2026-12-03), and the next floor's
 * clone as much.
 */
function floorMs(remote: string, dir: string, n: number): number {
  const started = performance.now();
  const clone = join(dir, `floor-${n}`);
  execFileSync('git', ['clone', '-q', remote, clone]);
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', clone, '-c', 'user.name=B', '-c', 'user.email=b@b', ...a]);
  git('checkout', '-q', '-b', `floor-${n}`);
  writeFileSync(join(clone, 'CHANGE.md'), 'change\n');
  git('add', 'CHANGE.md');
  git('commit', '-q', '-m', 'change');
  git('push', '-q', 'origin', `floor-${n}`);
  return performance.now() - started;
}

const cpuOf = (d: CpuSample) => d.node + d.children;

export async function run(): Promise<BenchResult[]> {
  const load = loadavg()[0] as number;
  const dir = mkdtempSync(join(tmpdir(), 'abca-bench-e2e-'));
  const remote = makeBenchRepo(dir, FILES);
  const floorDir = floorFolder(dir);
  const model = await createScriptedModelServer();
  // Stateless, so concurrent tasks each get their commit: a tool call first, then the last word.
  let made = 0;
  model.onRequest((req) => {
    const messages = JSON.stringify((req.body as { messages?: unknown }).messages ?? []);
    if (messages.includes('"role":"tool"')) return reply().text('Done.');
    made += 1;
    return reply().tool('bash', {
      command: `echo change ${made} > CHANGE.md && git add CHANGE.md && git commit -qm "Change ${made}"`,
    });
  });
  const bench = await startBenchPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MEMORY_LEARNING: 'off',
    ABCA_MAX_TASKS_PER_USER: '1000',
    ABCA_MAX_TASKS_PER_REPO: '1000',
    ...(benchConfig.e2eMaxTasks ? { ABCA_MAX_TASKS: String(benchConfig.e2eMaxTasks) } : {}),
  });
  const slots = benchConfig.e2eMaxTasks ?? loadConfig({}).caps.global;
  const url = bench.platform.url as string;
  const db = bench.platform.db;
  await fetch(`${url}/v1/repos`, {
    method: 'POST',
    headers: bench.headers,
    body: JSON.stringify({ repo: 'big', forge: { kind: 'git', url: remote } }),
  });
  const pgPid = postmasterPid(bench.pgDataDir);
  let submitted = 0;
  const submit = async (): Promise<string> => {
    const n = submitted++;
    const res = await fetch(`${url}/v1/tasks`, {
      method: 'POST',
      headers: bench.headers,
      body: JSON.stringify({ repo: 'big', task_description: `change ${n}` }),
    });
    if (res.status !== 201) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { data: { task_id: string } }).data.task_id;
  };
  /** Waits until every task ended; answers when the last one did (ms since the epoch). */
  const waitDone = async (ids: string[], pollMs: number): Promise<number> => {
    for (;;) {
      const t = await db.query<{ status: string; completed_at: Date | null }>(
        'SELECT status, completed_at FROM tasks WHERE task_id = ANY($1)',
        [ids],
      );
      if (t.rows.length === ids.length && t.rows.every((r) => r.completed_at)) {
        const bad = t.rows.find((r) => r.status !== 'COMPLETED');
        if (bad) throw new Error(`a bench task ended ${bad.status}`);
        return Math.max(...t.rows.map((r) => (r.completed_at as Date).getTime()));
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  /** The step durations of finished tasks (finalization's is written just after the task ends). */
  const stepMs = async (ids: string[]) => {
    const until = Date.now() + 30_000;
    for (;;) {
      const rows = (
        await db.query<{ step: string; ms: number }>(
          "SELECT data->>'step' AS step, (data->>'duration_ms')::int AS ms FROM task_events WHERE task_id = ANY($1) AND type = 'step.completed'",
          [ids],
        )
      ).rows;
      const ended = rows.filter((r) => r.step === 'finalization').length;
      if (ended >= ids.length || Date.now() > until) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // Warm-up: the mirror is made and the code paths compiled before anything is measured.
  await waitDone([await submit()], 50);

  const totals: number[] = [];
  const floors: number[] = [];
  const cpu: number[] = [];
  const floorCpu: number[] = [];
  const pgCpu: number[] = [];
  const perStep = new Map<string, number[]>(STEPS.map((s) => [s, []]));
  for (let i = 0; i < RUNS; i++) {
    const f0 = sampleCpu();
    floors.push(floorMs(remote, floorDir, i));
    floorCpu.push(cpuOf(cpuDelta(f0, sampleCpu())));
    // The floor blocked this process, the platform's server in it too: the server's timers that came
    // due meanwhile (closing idle keep-alive connections) run first, or the next submit may go out
    // on a connection the server is closing (ECONNRESET).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const c0 = sampleCpu(pgPid);
    const t0 = Date.now();
    const id = await submit();
    totals.push((await waitDone([id], 25)) - t0);
    const d = cpuDelta(c0, sampleCpu(pgPid));
    cpu.push(cpuOf(d));
    pgCpu.push(d.postgres);
    for (const s of await stepMs([id])) perStep.get(s.step)?.push(s.ms);
    console.error(
      `e2e run ${i + 1}/${RUNS}: ${totals.at(-1)} ms vs floor ${Math.round(floors.at(-1) ?? 0)} ms`,
    );
  }
  const results: BenchResult[] = [
    fromRuns(`end-to-end task, ${FILES}-file repo, submit -> COMPLETED`, totals, 'ms', {
      name: 'git clone + commit + push',
      values: floors,
    }),
    ...STEPS.map((s) => fromRuns(`  step ${s}`, perStep.get(s) ?? [], 'ms')),
    fromRuns('CPU-seconds per task (this process + its child processes)', cpu, 's', {
      name: 'git clone + commit + push',
      values: floorCpu,
    }),
    fromRuns('  CPU-seconds per task, the embedded PostgreSQL', pgCpu, 's'),
  ];

  for (const n of benchConfig.e2eConcurrency) {
    const tps: number[] = [];
    const cpuPer: number[] = [];
    const preflight: number[] = [];
    for (let r = 0; r < benchConfig.e2eThroughputRuns; r++) {
      const c0 = sampleCpu(pgPid);
      const t0 = Date.now();
      const ids = await Promise.all(Array.from({ length: n }, () => submit()));
      const last = await waitDone(ids, 200);
      const d = cpuDelta(c0, sampleCpu(pgPid));
      tps.push(n / ((last - t0) / 1000));
      cpuPer.push(cpuOf(d) / n);
      preflight.push(
        percentile(
          (await stepMs(ids)).filter((s) => s.step === 'pre-flight').map((s) => s.ms),
          50,
        ),
      );
    }
    results.push(
      fromRuns(`throughput, ${n} concurrent tasks (${slots} slots)`, tps, 'tasks/s'),
      fromRuns(`  CPU-seconds per task at N=${n}`, cpuPer, 's'),
      fromRuns(`  pre-flight p50 at N=${n}`, preflight, 'ms'),
    );
  }
  await bench.close();
  await model.close();
  removeBenchFolder(dir, benchConfig.removeList);
  const first = results[0] as BenchResult;
  first.name += ` [${availableParallelism()} cores, load average ${load.toFixed(1)} at the start, ${loadavg()[0]?.toFixed(1)} at the end]`;
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('End-to-end task', results);
  process.exit(0);
}
