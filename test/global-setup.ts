import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createHostProcesses } from '../packages/server/src/ops/host-processes.ts';
import { spreadFolder } from '../packages/server/src/ops/spread-folder.ts';
import {
  createLogger,
  migrate,
  startEmbeddedPostgres,
  withDatabase,
} from '../packages/server/src/testing.ts';
import { startCpuRecording } from './cpu/cpu-report.ts';
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
  // Marked to spread its folders over the disk, as the platform marks its workspaces folder
  // (ops/spread-folder.ts): on this machine's ext4 (no journal, `discard`), files made among the
  // blocks of folders just removed cost the kernel 0.8–1.6 s per 3,000, 0.06 s in a marked folder
  // (docs/benchmarks.md, "The test suite"). Best effort; `ABCA_TEST_SPREAD=0` leaves it unmarked.
  if (process.env.ABCA_TEST_SPREAD !== '0') await spreadFolder(createHostProcesses(), tmpRoot.dir);
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
  const postgres = await startEmbeddedPostgres({ home, log: createLogger({ level: 'warn' }) });
  const adminUrl = withDatabase(postgres.url, 'postgres');
  // `ABCA_TEST_CPU=<folder>`: what each file costs in CPU, PostgreSQL's included (test/cpu/).
  const cpuDir = process.env.ABCA_TEST_CPU;
  const cpu = cpuDir
    ? startCpuRecording(cpuDir, postgres.dataDir, fileURLToPath(new URL('..', import.meta.url)))
    : undefined;
  await withoutDurability(adminUrl);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDatabase', await makeTemplateDatabase(adminUrl));
  // Where platforms started by the tests record events that break their contract (test/event-check.ts).
  const eventCheckDir = mkdtempSync(join(tmpdir(), 'abca-test-events-'));
  project.provide('eventCheckDir', eventCheckDir);
  return async () => {
    // A platform that wrote after its file's own check (a child still stopping) is caught here.
    const violations = readdirSync(eventCheckDir)
      .map((f) => readFileSync(join(eventCheckDir, f), 'utf8').trim())
      .filter(Boolean);
    rmSync(eventCheckDir, { recursive: true, force: true });
    if (cpu) {
      const report = cpu.finish().split('\n');
      console.log(
        `\nCPU by test file (all of it in ${cpuDir}/report.txt):\n${report.slice(0, 44).join('\n')}`,
      );
    }
    await postgres.stop();
    rmSync(home, { recursive: true, force: true });
    // As root the data may live outside the state folder (see embedded-postgres.ts).
    if (!postgres.dataDir.startsWith(home))
      rmSync(dirname(postgres.dataDir), { recursive: true, force: true });
    tmpRoot.remove();
    if (violations.length)
      throw new Error(`Events that do not match their contract schema:\n${violations.join('\n')}`);
  };
}

/**
 * The run's PostgreSQL is thrown away at its end, so nothing it writes needs to survive a crash of
 * the machine: no flush to disk at each commit, no full pages in the WAL. A commit of a test's
 * platform then waits on no disk, and a test database is copied from the template in about a third
 * of the time (250 -> 80 ms on the 2-core machine). All three settings take effect on a reload.
 */
async function withoutDurability(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes'])
      await admin.query(`ALTER SYSTEM SET ${setting} = off`);
    await admin.query('SELECT pg_reload_conf()');
  } finally {
    await admin.end();
  }
}

/**
 * The database every test database is copied from (test/support/database.ts): ABCA's migrations
 * and DBOS's system schema, made once per run the way a first start makes them (`migrate()`, then
 * DBOS's own `dbos schema`), so a broken migration fails the run here. Nothing else: no admin, no
 * executor, no state of a platform. No session stays connected (PostgreSQL copies only an idle one).
 */
async function makeTemplateDatabase(adminUrl: string): Promise<string> {
  const name = 'abca_test_template';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const require = createRequire(import.meta.url);
  // The package's `dbos` command (its bin), next to its entry point dist/src/index.js.
  const dbosCli = join(dirname(require.resolve('@dbos-inc/dbos-sdk')), 'cli', 'cli.js');
  await promisify(execFile)(process.execPath, [dbosCli, 'schema', url], { cwd: tmpdir() });
  return name;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDatabase: string;
    eventCheckDir: string;
  }
}
