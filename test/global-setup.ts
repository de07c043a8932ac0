import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createLogger, startEmbeddedPostgres } from '../packages/server/src/testing.ts';
import { makeTestTmpRoots } from './tmp-root.ts';

/**
 * One real PostgreSQL (the embedded one) for the whole test run; each test file makes its own
 * database on it (test/support/database.ts), so files run in parallel without sharing state.
 */
export default async function setup(project: TestProject) {
  // Every temporary folder of the run (the test workers and the processes they start inherit
  // TMPDIR) goes into one folder that the teardown removes (tmp-root.ts).
  const tmpRoot = makeTestTmpRoots(process.env);
  process.env.TMPDIR = tmpRoot.dir;
  if (tmpRoot.memoryDir) process.env.ABCA_TEST_MEMORY_TMPDIR = tmpRoot.memoryDir;
  // The compiled CLI and server (packages/cli/dist) that the process tests start, rebuilt when a
  // source changed: a test never runs yesterday's code.
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../packages/cli/scripts/build.mjs', import.meta.url)), '--if-stale'],
    {
      stdio: 'inherit',
    },
  );
  const home = mkdtempSync(join(tmpdir(), 'abca-test-pg-'));
  const pg = await startEmbeddedPostgres({ home, log: createLogger({ level: 'warn' }) });
  project.provide('pgAdminUrl', pg.url.replace(/\/abca$/, '/postgres'));
  // Where platforms started by the tests record events that break their contract (test/event-check.ts).
  const eventCheckDir = mkdtempSync(join(tmpdir(), 'abca-test-events-'));
  project.provide('eventCheckDir', eventCheckDir);
  return async () => {
    // A platform that wrote after its file's own check (a child still stopping) is caught here.
    const violations = readdirSync(eventCheckDir)
      .map((f) => readFileSync(join(eventCheckDir, f), 'utf8').trim())
      .filter(Boolean);
    rmSync(eventCheckDir, { recursive: true, force: true });
    await pg.stop();
    rmSync(home, { recursive: true, force: true });
    // As root the data may live outside the state folder (see embedded-postgres.ts).
    if (!pg.dataDir.startsWith(home)) rmSync(dirname(pg.dataDir), { recursive: true, force: true });
    tmpRoot.remove();
    if (violations.length)
      throw new Error(`Events that do not match their contract schema:\n${violations.join('\n')}`);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    eventCheckDir: string;
  }
}
