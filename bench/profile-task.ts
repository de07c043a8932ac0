/**
 * Where a trivial task's CPU goes: runs trivial tasks one after another (fake agent by default,
 * `--builtin` for the built-in agent with a zero-latency scripted model; plain-git forge; the
 * bubblewrap sandbox) under the V8 profiler of this process, and prints CPU-seconds per task (this
 * process, its child processes, the embedded PostgreSQL) and the functions and files that spent it.
 *
 *   node --import tsx bench/profile-task.ts [--builtin] [--tasks=20] [--out=task.cpuprofile]
 *     [--no-profile] (CPU figures only) [--trace-spawns] (each process started, and by whom)
 *     [ABCA_SETTING=value ...] (settings for the platform)
 *
 * Open the written profile in Chrome's DevTools (Performance tab) for the call tree.
 */
import childProcess from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createScriptedModelServer, reply } from '../packages/model-kit/src/index.ts';
import { sharedSpawner } from '../packages/sandbox/src/index.ts';
import { startBenchPlatform } from './bench-database.ts';
import { makeBenchRepo } from './bench-repo.ts';
import { type CpuProfile, printProfile } from './cpu-profile-report.ts';
import { cpuDelta, postmasterPid, sampleCpu } from './proc-cpu.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const builtin = process.argv.includes('--builtin');
const TASKS = Number(arg('tasks') ?? 20);
const FILES = Number(arg('files') ?? 3000);
const out = arg('out');

// Counts what a task starts: host processes by command (the `setpriv --pdeathsig` wrapper and the
// sandbox's launchers skipped to the command they run) and database queries with the bytes sent.
const spawns = new Map<string, { n: number; us: number }>();
const queries = new Map<string, { n: number; bytes: number }>();
let counting = false;
const realSpawn = childProcess.spawn;
/** Counts one process start (`t`: when the start was asked for). */
function record(cmd: string, args: readonly string[] | undefined, t: number): void {
  if (counting) {
    const argv = [cmd, ...(args ?? [])];
    const i = argv.findIndex(
      (a) => a === 'git' || a === 'bwrap' || a === 'du' || a === 'chown' || a === 'socat',
    );
    const name =
      i >= 0
        ? argv
            .slice(i, i + 2)
            .filter((a) => !a.startsWith('-'))
            .join(' ')
        : argv.slice(0, 2).join(' ');
    const key = argv[i]?.startsWith('git')
      ? argv.slice(i).find((a, j) => j > 0 && !a.startsWith('-') && !a.includes('=') && !a.startsWith('/'))
      : undefined;
    const k = key ? `git ${key}` : name.slice(0, 60);
    const e = spawns.get(k) ?? { n: 0, us: 0 };
    e.n += 1;
    e.us += (performance.now() - t) * 1000;
    spawns.set(k, e);
    if (process.argv.includes('--trace-spawns')) {
      const at = (new Error().stack ?? '')
        .split('\n')
        .filter((l) => l.includes('/packages/') && !l.includes('host-processes') && !l.includes('git-cli'))
        .slice(0, 2)
        .map((l) => l.replace(/.*\/packages\//, '').replace(/\)$/, ''))
        .join(' < ');
      const shown = argv.slice(Math.max(i, 0)).filter((a, j, all) => a !== '-c' && all[j - 1] !== '-c');
      console.error(`spawn: ${shown.join(' ').slice(0, 110)}  [${at}]`);
    }
  }
}
childProcess.spawn = ((cmd: string, args?: readonly string[], opts?: object) => {
  const t = performance.now();
  const child = realSpawn(cmd, args ?? [], opts ?? {});
  record(cmd, args, t);
  return child;
}) as typeof childProcess.spawn;
// Most starts go through the process's helper (@abca/sandbox's sharedSpawner): counted there, the
// time shown being what a start costs this process (a message to the helper).
const shared = sharedSpawner();
const realShared = shared.spawn.bind(shared);
shared.spawn = (file, args, opts) => {
  const t = performance.now();
  const child = realShared(file, args, opts);
  record(file, args, t);
  return child;
};
syncBuiltinESMExports();
const realQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  if (counting) {
    const first = a[0] as string | { text: string; values?: unknown[] };
    const text = typeof first === 'string' ? first : first?.text;
    const values = (typeof first === 'string' ? a[1] : first?.values) as unknown[] | undefined;
    const k = String(text ?? '?')
      .replace(/\s+/g, ' ')
      .slice(0, 70);
    const e = queries.get(k) ?? { n: 0, bytes: 0 };
    e.n += 1;
    e.bytes += (values ?? []).reduce<number>(
      (s, v) =>
        s +
        (Buffer.isBuffer(v)
          ? v.length * 2
          : typeof v === 'string'
            ? v.length
            : JSON.stringify(v ?? null).length),
      String(text).length,
    );
    queries.set(k, e);
  }
  return (realQuery as (...x: unknown[]) => unknown).apply(this, a);
} as typeof realQuery;

const dir = mkdtempSync(join(tmpdir(), 'abca-profile-'));
const remote = makeBenchRepo(dir, FILES);
const model = builtin ? await createScriptedModelServer() : undefined;
const settings = Object.fromEntries(
  process.argv
    .filter((a) => /^ABCA_[A-Z0-9_]+=/.test(a))
    .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
);
const bench = await startBenchPlatform({
  ...settings,
  ABCA_AGENT_RUNTIME: builtin ? 'builtin' : 'fake',
  // Memory's learning would ask the scripted model after each task, taking the next task's reply.
  ...(model
    ? {
        ABCA_MODEL: 'openai-compatible:scripted',
        ABCA_MODEL_BASE_URL: model.baseUrl,
        ABCA_MEMORY_LEARNING: 'off',
      }
    : {}),
});
const url = bench.platform.url as string;
await fetch(`${url}/v1/repos`, {
  method: 'POST',
  headers: bench.headers,
  body: JSON.stringify({ repo: 'big', forge: { kind: 'git', url: remote } }),
});
const pgPid = postmasterPid(bench.pgDataDir);

async function runTask(i: number): Promise<void> {
  model?.script(
    reply().tool('bash', {
      command: `echo ${i} > CHANGE.md && git add CHANGE.md && git commit -qm "Change ${i}"`,
    }),
    reply().text('Done.'),
  );
  const res = await fetch(`${url}/v1/tasks`, {
    method: 'POST',
    headers: bench.headers,
    body: JSON.stringify({ repo: 'big', task_description: `change ${i}` }),
  });
  const id = ((await res.json()) as { data: { task_id: string } }).data.task_id;
  for (;;) {
    const t = await bench.platform.db.query<{ status: string; completed_at: Date | null }>(
      'SELECT status, completed_at FROM tasks WHERE task_id = $1',
      [id],
    );
    if (t.rows[0]?.completed_at) {
      if (t.rows[0].status !== 'COMPLETED') throw new Error(`task ${id} ended ${t.rows[0].status}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Warm up (the first task compiles the code paths and makes the mirror).
for (let i = 0; i < 2; i++) await runTask(1000 + i);
const profiling = !process.argv.includes('--no-profile');
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const before = sampleCpu(pgPid);
const t0 = performance.now();
if (profiling) await session.post('Profiler.start');
counting = true;
for (let i = 0; i < TASKS; i++) await runTask(i);
const { profile } = profiling
  ? ((await session.post('Profiler.stop')) as unknown as {
      profile: CpuProfile;
    })
  : { profile: undefined };
const wall = (performance.now() - t0) / 1000;
counting = false;
const d = cpuDelta(before, sampleCpu(pgPid));
console.log(
  `${TASKS} trivial tasks (${builtin ? 'built-in agent, scripted model' : 'fake agent'}, ${FILES}-file plain-git repo), one at a time:`,
);
console.log(
  `  per task: node ${(d.node / TASKS).toFixed(3)} s + children ${(d.children / TASKS).toFixed(3)} s = ${((d.node + d.children) / TASKS).toFixed(3)} CPU-s; postgres ${(d.postgres / TASKS).toFixed(3)} s; wall ${(wall / TASKS).toFixed(3)} s`,
);
if (out && profile) writeFileSync(out, JSON.stringify(profile));
const perTask = (n: number) => (n / TASKS).toFixed(1).padStart(6);
const spawnTotal = [...spawns.values()].reduce((a, b) => a + b.n, 0);
console.log(`\nprocesses started per task: ${perTask(spawnTotal)} (time inside spawn() shown)`);
for (const [k, v] of [...spawns].sort((a, b) => b[1].n - a[1].n))
  console.log(`  ${perTask(v.n)}  ${(v.us / v.n / 1000).toFixed(1).padStart(5)} ms each  ${k}`);
const qTotal = [...queries.values()].reduce((a, b) => a + b.n, 0);
const qBytes = [...queries.values()].reduce((a, b) => a + b.bytes, 0);
console.log(
  `\ndatabase queries per task: ${perTask(qTotal)}, ${(qBytes / TASKS / 1024).toFixed(0)} KiB sent`,
);
for (const [k, v] of [...queries].sort((a, b) => b[1].n - a[1].n).slice(0, 40))
  console.log(`  ${perTask(v.n)}  ${(v.bytes / v.n / 1024).toFixed(1).padStart(7)} KiB  ${k}`);
if (profile) printProfile(profile, TASKS, 'task', 'ms');
await bench.close();
await model?.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
