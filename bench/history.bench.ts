/**
 * Cost that does not grow with history: a trivial task (fake agent, plain-git forge, the bubblewrap
 * sandbox) on a repo whose remote has 10,000 branches (one commit each, refs packed as a git
 * server keeps them) and 1,000 finished tasks in the database, next to the same task on a fresh
 * repo with the same files, in the same run and on the same platform:
 * - one task's overhead, submit → COMPLETED, paired run by run (median of 5 with the spread);
 * - the throughput of 30 tasks submitted at once, paired batch by batch (median of 3).
 * Each repo gets one task first (its mirror made), not counted.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchPlatform } from './bench-database.ts';
import { removeBenchFolder } from './bench-folders.ts';
import { makeBenchRepo } from './bench-repo.ts';
import { type BenchResult, paired, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const FILES = 1000;
const BRANCHES = 10_000;
const FINISHED_TASKS = 1000;
const CONCURRENT = 30;

const git = (cwd: string, args: string[], input?: string) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=B', '-c', 'user.email=b@b', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  }).trim();

/** `count` branches on `bare`, each one commit on top of main (what finished tasks leave). */
function addBranches(bare: string, count: number, names: (i: number) => string): void {
  const head = git(bare, ['rev-parse', 'main']);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const data = `task ${i}\n`;
    lines.push(
      `commit refs/heads/${names(i)}`,
      'committer B <b@b> 1700000000 +0000',
      `data ${Buffer.byteLength('work')}`,
      'work',
      `from ${head}`,
      `M 100644 inline CHANGE-${i}.md`,
      `data ${Buffer.byteLength(data)}`,
      data,
    );
  }
  git(bare, ['fast-import', '--quiet'], `${lines.join('\n')}\n`);
  git(bare, ['pack-refs', '--all']);
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'abca-bench-history-'));
  const fresh = makeBenchRepo(dir, FILES, 'fresh');
  const history = makeBenchRepo(dir, FILES, 'history');
  const finished = Array.from({ length: FINISHED_TASKS }, () => `t_${randomUUID().replace(/-/g, '')}`);
  addBranches(history, BRANCHES, (i) => (i < FINISHED_TASKS ? `abca/${finished[i]}/done` : `feature/b-${i}`));

  const bench = await startBenchPlatform({
    ABCA_MAX_TASKS_PER_USER: '1000',
    ABCA_MAX_TASKS_PER_REPO: '1000',
    ABCA_MAX_TASKS: '1000',
    ABCA_WORKER_SLOTS: String(CONCURRENT),
  });
  const url = bench.platform.url as string;
  for (const [repo, remote] of [
    ['fresh', fresh],
    ['history', history],
  ] as const) {
    const res = await fetch(`${url}/v1/repos`, {
      method: 'POST',
      headers: bench.headers,
      body: JSON.stringify({ repo, forge: { kind: 'git', url: remote } }),
    });
    if (res.status !== 201) throw new Error(`repos add ${repo}: ${res.status} ${await res.text()}`);
  }
  // The history repo's finished tasks, straight into the table (the workflow need not run them).
  const db = bench.platform.db;
  const user = (await db.query<{ user_id: string }>('SELECT user_id FROM users LIMIT 1')).rows[0]?.user_id;
  await db.query(
    `INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, task_description, max_turns,
       branch_name, completed_at)
     SELECT id, $1, 'history', 'COMPLETED', 'coding/new-task-v1', 'done', 10, 'abca/' || id || '/done', now()
     FROM unnest($2::text[]) AS id`,
    [user, finished],
  );

  // A failed run still stops its platform and its PostgreSQL (else left running after the exit).
  try {
    let n = 0;
    const submit = async (repo: string): Promise<string> => {
      const res = await fetch(`${url}/v1/tasks`, {
        method: 'POST',
        headers: bench.headers,
        body: JSON.stringify({ repo, task_description: `change ${n++}` }),
      });
      if (res.status !== 201) throw new Error(`submit on ${repo}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: { task_id: string } }).data.task_id;
    };
    const finishedAll = async (ids: string[]) => {
      const deadline = Date.now() + 10 * 60_000;
      for (;;) {
        if (Date.now() > deadline)
          throw new Error(`bench tasks still running after 10 minutes: ${ids.join(' ')}`);
        const rows = (
          await db.query<{ task_id: string; status: string; completed_at: Date | null; error: unknown }>(
            'SELECT task_id, status, completed_at, error FROM tasks WHERE task_id = ANY($1)',
            [ids],
          )
        ).rows;
        const bad = rows.find((r) => r.completed_at && r.status !== 'COMPLETED');
        if (bad)
          throw new Error(`bench task ${bad.task_id} ended ${bad.status}: ${JSON.stringify(bad.error)}`);
        if (rows.length === ids.length && rows.every((r) => r.completed_at)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // BENCH_TRACE=1: each run and each task's steps on stderr.
    const trace = (line: string) => benchConfig.trace && console.error(line);
    const progress = (what: string, v: number) => trace(`history bench: ${what} ${v.toFixed(1)}`);
    const oneTask = async (repo: string) => {
      const t0 = performance.now();
      const id = await submit(repo);
      await finishedAll([id]);
      const ms = performance.now() - t0;
      progress(`one task on ${repo}, ms`, ms);
      if (!benchConfig.trace) return ms;
      const steps = await db.query<{ step: string; ms: number }>(
        `SELECT e.data->>'step' AS step, (e.data->>'duration_ms')::int AS ms FROM task_events e
         WHERE e.task_id = $1 AND e.type = 'step.completed' ORDER BY e.seq`,
        [id],
      );
      const pre = await db.query<{ data: unknown }>(
        "SELECT data FROM task_events WHERE task_id = $1 AND type = 'preflight.workspace_ready'",
        [id],
      );
      trace(
        `  ${steps.rows.map((r) => `${r.step} ${r.ms}`).join(', ')} ${JSON.stringify(pre.rows[0]?.data)}`,
      );
      return ms;
    };
    const batch = async (repo: string) => {
      const t0 = performance.now();
      const ids = await Promise.all(Array.from({ length: CONCURRENT }, () => submit(repo)));
      await finishedAll(ids);
      const rate = CONCURRENT / ((performance.now() - t0) / 1000);
      progress(`${CONCURRENT} tasks on ${repo}, tasks/s`, rate);
      return rate;
    };

    // Each repo's mirror made by a first task, not counted.
    await oneTask('fresh');
    await oneTask('history');
    const single = await paired(
      5,
      `trivial task on a repo with ${BRANCHES} branches and ${FINISHED_TASKS} finished tasks, submit -> COMPLETED`,
      'ms',
      () => oneTask('history'),
      'the same on a fresh repo',
      () => oneTask('fresh'),
    );
    const tput = await paired(
      3,
      `${CONCURRENT} concurrent tasks on the history repo`,
      'tasks/s',
      () => batch('history'),
      'the same on the fresh repo',
      () => batch('fresh'),
    );
    // Throughput: a ratio under 1 is the history repo moving fewer tasks a second.
    return [single, tput];
  } finally {
    await bench.close();
    removeBenchFolder(dir, benchConfig.removeList);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('History', results);
  process.exit(0);
}
