import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { childPids, procCpu } from './proc-cpu.ts';

/**
 * With `ABCA_TEST_CPU=<folder>`, records what each test file cost its worker process: the
 * worker's own CPU and that of the processes it started and reaped (platform children, git,
 * sandboxes), from /proc/self/stat at the file's start and after its last afterAll. The run's
 * global teardown (test/cpu/cpu-report.ts) adds each file's PostgreSQL CPU and prints the table.
 *
 * A child that outlives the file is counted too (what it and its own reaped children spent
 * meanwhile): the process helper that starts the platform's processes (@abca/sandbox's
 * `sharedSpawner`) lives as long as the worker, and what it starts is reaped by it, not by the
 * worker, so the worker's own children figure would never see it.
 */
export function recordFileCpu(dir: string | undefined): void {
  if (!dir) return;
  const file = currentTestFile();
  const startedAt = Date.now();
  const start = procCpu();
  const liveStart = liveChildrenMs();
  // Registered before the file's own hooks: it runs after them (hooks stop in stack order).
  afterAll(() => {
    const end = procCpu();
    if (!start || !end) return;
    const row = {
      file,
      pid: process.pid,
      startedAt,
      endedAt: Date.now(),
      selfMs: end.selfMs - start.selfMs,
      childrenMs: end.childrenMs - start.childrenMs + liveDelta(liveStart, liveChildrenMs()),
    };
    appendFileSync(join(dir, 'files.jsonl'), `${JSON.stringify(row)}\n`);
  });
}

/** Notes which test file made a database, so the report can give the file its PostgreSQL CPU. */
export function noteTestDatabase(dir: string | undefined, database: string): void {
  if (!dir) return;
  appendFileSync(join(dir, 'databases.jsonl'), `${JSON.stringify({ database, file: currentTestFile() })}\n`);
}

/** The file the vitest worker runs now (its worker state; the same for every module of the file). */
function currentTestFile(): string {
  const worker = (globalThis as { __vitest_worker__?: { filepath?: string } }).__vitest_worker__;
  return worker?.filepath ?? '(unknown)';
}

/** Each live child's CPU, its own and its reaped children's, by pid. */
function liveChildrenMs(): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of childPids(process.pid)) {
    const cpu = procCpu(pid);
    if (cpu) out.set(pid, cpu.selfMs + cpu.childrenMs);
  }
  return out;
}

/** What the children alive at the end spent since the start (all of it, for one started since). */
function liveDelta(start: Map<number, number>, end: Map<number, number>): number {
  let ms = 0;
  for (const [pid, total] of end) ms += total - (start.get(pid) ?? 0);
  return ms;
}
