import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { procCpu } from './proc-cpu.ts';

/**
 * With `ABCA_TEST_CPU=<folder>`, records what each test file cost its worker process: the
 * worker's own CPU and that of the processes it started and reaped (platform children, git,
 * sandboxes), from /proc/self/stat at the file's start and after its last afterAll. The run's
 * global teardown (test/cpu/cpu-report.ts) adds each file's PostgreSQL CPU and prints the table.
 */
export function recordFileCpu(dir: string | undefined): void {
  if (!dir) return;
  const file = currentTestFile();
  const startedAt = Date.now();
  const start = procCpu();
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
      childrenMs: end.childrenMs - start.childrenMs,
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
