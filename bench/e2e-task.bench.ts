/**
 * The platform's own overhead on an end-to-end task: a plain-git repo of a few thousand files, the
 * built-in agent with a zero-latency scripted model making one commit, the bubblewrap sandbox.
 * Reported per step and in total, next to the floor measured in the same run: a plain `git clone`
 * of the same repo, a commit and a `git push` of a branch.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedModelServer, reply } from '../packages/model-kit/src/index.ts';
import { startBenchPlatform } from './bench-database.ts';
import { type BenchResult, percentile, printTable, withBaseline } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const FILES = benchConfig.e2eRepoFiles;
const TASKS = benchConfig.e2eTasks;
const STEPS = ['admission', 'hydration', 'pre-flight', 'agent-execution', 'finalization'];

function makeRepo(dir: string): string {
  const work = join(dir, 'work');
  for (let i = 0; i < FILES; i++) {
    const sub = join(work, 'src', `m${i % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.js`), `export const v${i} = ${i};\n// ${'x'.repeat(200)}\n`);
  }
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', work, '-c', 'user.name=B', '-c', 'user.email=b@b', ...a]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const bare = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

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
  const ms = performance.now() - started;
  rmSync(clone, { recursive: true, force: true });
  return ms;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'abca-bench-e2e-'));
  const remote = makeRepo(dir);
  const floors = Array.from({ length: TASKS }, (_, i) => floorMs(remote, dir, i));
  const model = await createScriptedModelServer();
  const bench = await startBenchPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
  });
  const url = bench.platform.url as string;
  await fetch(`${url}/v1/repos`, {
    method: 'POST',
    headers: bench.headers,
    body: JSON.stringify({ repo: 'big', forge: { kind: 'git', url: remote } }),
  });
  const totals: number[] = [];
  const perStep = new Map<string, number[]>(STEPS.map((s) => [s, []]));
  for (let i = 0; i < TASKS; i++) {
    model.script(
      reply().tool('bash', {
        command: `echo change ${i} > CHANGE.md && git add CHANGE.md && git commit -qm "Change ${i}"`,
      }),
      reply().text('Done.'),
    );
    const t0 = Date.now();
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
      const row = t.rows[0];
      if (row?.completed_at) {
        if (row.status !== 'COMPLETED') throw new Error(`bench task ended ${row.status}`);
        totals.push(row.completed_at.getTime() - t0);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const steps = await bench.platform.db.query<{ step: string; ms: number }>(
      "SELECT data->>'step' AS step, (data->>'duration_ms')::int AS ms FROM task_events WHERE task_id = $1 AND type = 'step.completed'",
      [id],
    );
    for (const s of steps.rows) perStep.get(s.step)?.push(s.ms);
    if (benchConfig.trace) {
      const ev = await bench.platform.db.query<{ type: string; at: Date; data: unknown }>(
        'SELECT type, at, data FROM task_events WHERE task_id = $1 ORDER BY seq',
        [id],
      );
      const first = ev.rows[0]?.at.getTime() ?? 0;
      for (const e of ev.rows)
        console.error(
          `${String(e.at.getTime() - first).padStart(6)} ms  ${e.type} ${e.type.startsWith('preflight') ? JSON.stringify(e.data) : ''}`,
        );
    }
  }
  await bench.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
  const floor = percentile(floors, 50);
  return [
    withBaseline(
      `end-to-end task, ${FILES}-file repo, submit -> COMPLETED (median of ${TASKS})`,
      percentile(totals, 50),
      'ms',
      'git clone + commit + push',
      floor,
    ),
    ...STEPS.map((s) =>
      withBaseline(
        `  step ${s}`,
        percentile(perStep.get(s) ?? [], 50),
        'ms',
        'git clone + commit + push',
        floor,
      ),
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('End-to-end task', results);
  process.exit(0);
}
