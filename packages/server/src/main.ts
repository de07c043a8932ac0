import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, join as joinPath } from 'node:path';
import { serve } from '@hono/node-server';
import { configSecrets, createAdapters } from './adapters/registry.ts';
import { createApp } from './api/app.ts';
import { createEventBus } from './api/event-bus.ts';
import { type Config, loadConfig } from './config/config.ts';
import { workspaceLimits } from './config/intake-limits.ts';
import { createHostProcesses } from './ops/host-processes.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { createMetrics } from './ops/metrics.ts';
import { removeTree } from './ops/remove-tree.ts';
import { startOrchestrator } from './orchestrator/engine.ts';
import { startWorkspaceJanitor } from './orchestrator/workspace/janitor.ts';
import { createSandboxPool } from './orchestrator/workspace/sandbox-pool.ts';
import { createPool, type Db } from './storage/db.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './storage/embedded-postgres.ts';
import { migrate } from './storage/migrate.ts';
import { authenticate, createApiKey } from './store/api-key-store.ts';
import { appendEvent } from './store/event-store.ts';

export interface PlatformOptions {
  /** `serve`: API + workers; `worker`: workers only. */
  mode: 'serve' | 'worker';
  env: Record<string, string | undefined>;
  /** Settings given on the command line; they win over the environment. */
  overrides?: Partial<Config>;
  /** `serve` without running workflows (API only, for scale-out behind separate workers). */
  apiOnly?: boolean;
  log?: Logger;
}

export interface Platform {
  readonly config: Config;
  readonly url: string | undefined;
  readonly databaseUrl: string;
  readonly executorId: string;
  /** Set when this start created the local admin key. */
  readonly adminKeyFile: string | undefined;
  readonly db: Db;
  /** Where the embedded PostgreSQL keeps its data, when it is in use. */
  readonly embeddedDataDir: string | undefined;
  stop(): Promise<void>;
}

/** The composition root: reads the configuration, opens storage, picks adapters, starts everything. */
export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const config = loadConfig(o.env, o.overrides);
  const log = o.log ?? createLogger({ level: config.logLevel, base: { mode: o.mode } });
  const embedded: EmbeddedPostgres | undefined = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ home: config.home, log });
  const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedPostgres).url;
  const db = createPool(databaseUrl, 20);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    const metrics = createMetrics(db);
    // Host helpers of tasks (git, rm): each in a process group that dies with this process.
    const processes = createHostProcesses();
    // The executor id is known only once the orchestrator has claimed it; fakes tag effects with it.
    let executorId = 'pending';
    const adapters = createAdapters(config, {
      db,
      log,
      processes,
      get executorId() {
        return executorId;
      },
    });
    if (!o.apiOnly) {
      const sandbox = await adapters.sandboxBackend.available();
      if (!sandbox.ok) {
        log.warn(
          { sandbox: adapters.sandboxBackend.kind, reason: sandbox.reason, remedy: sandbox.remedy },
          'sandbox backend unavailable: tasks will fail pre-flight',
        );
      }
    }
    const sandboxes = createSandboxPool({
      backend: adapters.sandboxBackend,
      workspaceRoot: joinPath(config.home, 'workspaces'),
      // Blocked egress and warnings go to the task's events; allowed requests are not worth a row each.
      onEvent: (taskId, e) => {
        if (e.type === 'egress_allowed') return;
        const { type, ...data } = e;
        appendEvent(db, taskId, `sandbox.${type}`, data).catch((err: unknown) =>
          log.warn({ err, taskId }, 'could not record a sandbox event'),
        );
      },
    });
    const orchestrator = await startOrchestrator({
      db,
      databaseUrl,
      config,
      log,
      metrics,
      forge: adapters.forge,
      workspaces: adapters.workspaces,
      workspaceLimits: workspaceLimits(config),
      agentRuntime: adapters.agentRuntime,
      notifier: adapters.notifier,
      sandboxes,
      secrets: configSecrets(config),
      kind: o.mode,
      runWorkflows: !o.apiOnly,
    });
    executorId = orchestrator.executorId;
    stops.push(() => orchestrator.stop());
    // Whatever helper a step still runs goes with the stop (a SIGKILL of this process kills them too).
    stops.push(async () => processes.stopAll());
    if (!o.apiOnly) {
      const stopJanitor = startWorkspaceJanitor({
        db,
        workspaceRoot: joinPath(config.home, 'workspaces'),
        retentionMs: config.workspaceRetentionHours * 3_600_000,
        log,
        remove: (dir) => removeTree(processes, dir),
      });
      stops.push(async () => stopJanitor());
    }

    let url: string | undefined;
    let adminKeyFile: string | undefined;
    if (o.mode === 'serve') {
      adminKeyFile = await ensureLocalAdminKey(db, config, log);
      const events = await createEventBus(databaseUrl, log);
      stops.push(() => events.close());
      const app = createApp({
        db,
        log,
        metrics,
        orchestrator,
        events,
        config,
        ready: async () => (await db.query('SELECT 1')).rowCount === 1,
      });
      const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
        s.once('error', reject);
      });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      url = `http://${config.host}:${port}`;
      const serverFile = join(config.home, 'server.json');
      writeFileSync(serverFile, JSON.stringify({ url, pid: process.pid }), { mode: 0o600 });
      // A stopped server must not leave its URL behind for the CLI.
      stops.push(async () => removeIfOurs(serverFile));
      stops.unshift(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      );
      log.info({ url, executorId }, 'ABCA is running');
    } else {
      log.info({ executorId }, 'ABCA worker is running');
    }
    return {
      config,
      url,
      databaseUrl,
      executorId,
      adminKeyFile,
      db,
      embeddedDataDir: embedded?.dataDir,
      async stop() {
        for (const stop of stops) await stop().catch((err) => log.warn({ err }, 'error while stopping'));
        await db.end().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    await db.end().catch(() => {});
    await embedded?.stop();
    throw err;
  }
}

/**
 * Makes sure the CLI on this machine can talk to the server with no configuration: the state
 * folder holds a working admin key (mode 0600), created on first start.
 */
async function ensureLocalAdminKey(db: Db, config: Config, log: Logger): Promise<string> {
  const file = join(config.home, 'admin.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (await authenticate(db, key)) return file;
    log.warn({ file }, 'the stored admin key is not valid for this database; creating a new one');
  }
  const created = await createApiKey(db, {
    name: `local-admin@${config.hostname}`,
    userId: 'admin',
    role: 'admin',
  });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  log.info({ file, keyId: created.info.key_id }, 'created the local admin API key');
  return file;
}

function removeIfOurs(file: string): void {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (pid === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone or unreadable: nothing to clean
  }
}
