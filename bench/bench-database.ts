import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { type Platform, startPlatform } from '../packages/server/src/main.ts';
import { createLogger } from '../packages/server/src/ops/logger.ts';
import { withDatabase } from '../packages/server/src/storage/database-url.ts';
import { startEmbeddedPostgres } from '../packages/server/src/storage/embedded-postgres.ts';
import { removeBenchFolder } from './bench-folders.ts';
import { benchConfig } from './config/bench-config.ts';

export interface BenchPlatform {
  platform: Platform;
  databaseUrl: string;
  headers: Record<string, string>;
  /** The embedded PostgreSQL's data folder (its CPU is counted apart); none on DATABASE_URL. */
  pgDataDir?: string;
  close(): Promise<void>;
}

/**
 * A platform for a benchmark on a fresh database: the embedded PostgreSQL in a temp folder, or a
 * new database on DATABASE_URL when it is set.
 */
export async function startBenchPlatform(
  env: Record<string, string>,
  opts: { apiOnly?: boolean } = {},
): Promise<BenchPlatform> {
  const log = createLogger({ level: 'silent' });
  const home = mkdtempSync(join(tmpdir(), 'abca-bench-'));
  const external = benchConfig.databaseUrl;
  const embedded = external ? undefined : await startEmbeddedPostgres({ home: join(home, 'pg'), log });
  const baseUrl = external ?? (embedded?.url as string);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const dbName = `bench_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const databaseUrl = withDatabase(baseUrl, dbName);
  const platform = await startPlatform({
    mode: 'serve',
    env: { ABCA_HOME: home, ABCA_PORT: '0', DATABASE_URL: databaseUrl, ABCA_AGENT_RUNTIME: 'fake', ...env },
    log,
    ...(opts.apiOnly ? { apiOnly: true } : {}),
  });
  const key = readFileSync(join(home, 'admin.key'), 'utf8').trim();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  await fetch(`${platform.url}/v1/repos`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ repo: 'acme/app', forge: { kind: 'fake' } }),
  });
  return {
    platform,
    databaseUrl,
    headers,
    ...(embedded ? { pgDataDir: embedded.dataDir } : {}),
    async close() {
      // The embedded server is stopped and its folder removed even when the platform's stop fails
      // (a bench's error, a profiler): otherwise it outlives the bench under /var/lib/abca.
      try {
        await platform.stop();
      } finally {
        await embedded?.stop();
      }
      if (embedded && !embedded.dataDir.startsWith(home))
        removeBenchFolder(dirname(embedded.dataDir), benchConfig.removeList);
      removeBenchFolder(home, benchConfig.removeList);
    },
  };
}

/** An HTTP server that answers `{}` at once: the floor of any API call. */
export async function startEmptyServer(): Promise<{ url: string; close(): void }> {
  const server = createServer((_req, res) => {
    _req.resume();
    _req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => server.close(),
  };
}

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * A fresh, empty database without a platform (a store benchmarked on its own): on the embedded
 * PostgreSQL in a temp folder, or a new database on DATABASE_URL when it is set.
 */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const log = createLogger({ level: 'silent' });
  const home = mkdtempSync(join(tmpdir(), 'abca-bench-'));
  const external = benchConfig.databaseUrl;
  const embedded = external ? undefined : await startEmbeddedPostgres({ home: join(home, 'pg'), log });
  const baseUrl = external ?? (embedded?.url as string);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const dbName = `bench_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  return {
    url: withDatabase(baseUrl, dbName),
    async close() {
      await embedded?.stop();
      if (embedded && !embedded.dataDir.startsWith(home))
        removeBenchFolder(dirname(embedded.dataDir), benchConfig.removeList);
      removeBenchFolder(home, benchConfig.removeList);
    },
  };
}
