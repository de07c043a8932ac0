import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, join as joinPath } from 'node:path';
import { createRedactor } from '@abca/agent/without-models';
import { configSecrets, createAdapters } from './adapters/registry.ts';
import { createApp } from './api/app.ts';
import { createEventBus } from './api/event-bus.ts';
import { createHttpServer, type HttpServerOptions } from './api/http-server.ts';
import { createMetricsApp } from './api/metrics-app.ts';
import { createGitHubChannelApi } from './channels/github/github-api.ts';
import { createChannelNotifiers } from './channels/notifiers.ts';
import { startOutboxDispatcher } from './channels/outbox-dispatcher.ts';
import { createRateLimiter } from './channels/rate-limit.ts';
import { warnOfWebhooksSealedElsewhere } from './channels/webhook/warn-other-keys.ts';
import { createWebhookSecrets } from './channels/webhook/webhook-secrets.ts';
import { type Config, loadConfig } from './config/config.ts';
import { effectiveConfig } from './config/effective-config.ts';
import { workspaceLimits } from './config/intake-limits.ts';
import { startMemoryFader } from './memory/fader.ts';
import { startReviewLearner } from './memory/review-learner.ts';
import { createRepoVerifier } from './onboarding/verify-repo.ts';
import { checkChannels } from './ops/channel-check.ts';
import { createEventContractReporter } from './ops/event-contract-reporter.ts';
import { createHostProcesses } from './ops/host-processes.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { createMetrics, watchEnvCache } from './ops/metrics.ts';
import { checkModel } from './ops/model-check.ts';
import { removeTree } from './ops/remove-tree.ts';
import { claimServerFile } from './ops/server-file.ts';
import { type OrchestratorStopOptions, startOrchestrator } from './orchestrator/engine.ts';
import { startWorkspaceJanitor } from './orchestrator/workspace/janitor.ts';
import { createSandboxPool } from './orchestrator/workspace/sandbox-pool.ts';
import type { ChannelNotifier } from './ports/channel-notifier.ts';
import type { EnvCacheAdmin } from './ports/env-cache.ts';
import { startPrWatcher } from './pr-loop/poller.ts';
import { gitCredentialLookup } from './secrets/git-credential-lookup.ts';
import { moveUrlCredentials } from './secrets/move-url-credentials.ts';
import { createRepoCredentials, type RepoCredentials } from './secrets/repo-credentials.ts';
import { loadSecretKey } from './secrets/secret-key.ts';
import { createPool, type Db } from './storage/db.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './storage/embedded-postgres.ts';
import { migrate } from './storage/migrate.ts';
import { authenticate, createApiKey } from './store/api-key-store.ts';
import { setEventContractReporter } from './store/event-contract.ts';
import { appendEvent } from './store/event-store.ts';
import { countRepoCredentialsByKey } from './store/repo-credential-store.ts';

export interface PlatformOptions {
  /** `serve`: API + workers; `worker`: workers only. */
  mode: 'serve' | 'worker';
  env: Record<string, string | undefined>;
  /** Settings given on the command line; they win over the environment. */
  overrides?: Partial<Config>;
  /** `serve` without running workflows (API only, for scale-out behind separate workers). */
  apiOnly?: boolean;
  log?: Logger;
  /** Channel notifiers beside the configured ones (tests); one for a channel replaces the configured one. */
  channelNotifiers?: readonly ChannelNotifier[];
  /** The environment cache the API reports on, instead of this platform's own (tests). */
  envCache?: EnvCacheAdmin;
}

export interface Platform {
  readonly config: Config;
  readonly url: string | undefined;
  /** The metrics listener's URL when `ABCA_METRICS_PORT` is set. */
  readonly metricsUrl: string | undefined;
  readonly databaseUrl: string;
  readonly executorId: string;
  /** Set when this start created the local admin key. */
  readonly adminKeyFile: string | undefined;
  readonly db: Db;
  /** Where the embedded PostgreSQL keeps its data, when it is in use. */
  readonly embeddedDataDir: string | undefined;
  /**
   * A graceful stop: the API closes, admission stops, running agents stop at their next turn
   * boundary (transcripts saved) and their tasks resume on the next start or on another worker.
   * Bounded by `timeoutMs` (default `ABCA_STOP_TIMEOUT_S`).
   */
  stop(opts?: PlatformStopOptions): Promise<void>;
  /**
   * For a second signal: cuts what runs and kills the sandboxes and host helpers (at most a few
   * seconds); the caller then exits. As safe as a crash: the tasks resume on the next start.
   */
  stopNow(): Promise<void>;
}

export type PlatformStopOptions = OrchestratorStopOptions;

/** The composition root: reads the configuration, opens storage, picks adapters, starts everything. */
export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const config = loadConfig(o.env, o.overrides);
  const log = o.log ?? createLogger({ level: config.logLevel, base: { mode: o.mode } });
  setEventContractReporter(
    createEventContractReporter({ log, ...(config.eventCheckFile ? { file: config.eventCheckFile } : {}) }),
  );
  // Before anything starts: a missing or unsafe key file stops the start with a ConfigError.
  const secretKey = loadSecretKey({ configured: config.secretKey, home: config.home });
  // One API server per state folder: a second one is refused here, before it starts anything.
  const serverFile = o.mode === 'serve' ? claimServerFile(config.home) : undefined;
  const embedded: EmbeddedPostgres | undefined = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ home: config.home, log }).catch((err: unknown) => {
        serverFile?.release();
        throw err;
      });
  const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedPostgres).url;
  const db = createPool(databaseUrl, 20);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    // The id is a fingerprint, not the key: operators compare it across machines.
    log.info({ secretKeyId: secretKey.id, source: secretKey.source }, 'secret key for stored credentials');
    const credentials = createRepoCredentials({ db, key: secretKey });
    await moveUrlCredentials(db, credentials, log);
    await warnOfOtherKeys(db, credentials, log);
    await warnOfWebhooksSealedElsewhere(db, secretKey.id, log);
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
      credentials: gitCredentialLookup(credentials),
    });
    // What the API and the metrics report of the environment cache (a test may give its own).
    const envCache = o.envCache ?? adapters.envCache;
    watchEnvCache(metrics, envCache);
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
        const written =
          e.type === 'warning'
            ? appendEvent(db, taskId, 'sandbox.warning', { message: e.message })
            : appendEvent(db, taskId, 'sandbox.egress_blocked', {
                host: e.host,
                port: e.port,
                reason: e.reason,
                ...(e.address ? { address: e.address } : {}),
              });
        written.catch((err: unknown) => log.warn({ err, taskId }, 'could not record a sandbox event'));
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
      memory: adapters.memory,
      sandboxes,
      envCache: adapters.envCache,
      secrets: configSecrets(config),
      kind: o.mode,
      runWorkflows: !o.apiOnly,
    });
    executorId = orchestrator.executorId;
    let stopOptions: OrchestratorStopOptions = {};
    stops.push(() => orchestrator.stop(stopOptions));
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
      // Memory fading (docs/memory.md): at start and hourly; a sweep under way ends before the pool closes.
      const stopFader = startMemoryFader({
        db,
        memory: adapters.memory,
        fadeDays: config.memory.fadeDays,
        log,
      });
      stops.push(stopFader);
      // Channel notices (the outbox) are delivered wherever workflows run.
      const redactor = createRedactor(channelSecrets(config));
      const outbox = await startOutboxDispatcher({
        db,
        databaseUrl,
        notifiers: createChannelNotifiers({ config, db, log, extra: o.channelNotifiers ?? [] }),
        log,
        metrics,
        redact: (text) => redactor.redact(text),
      });
      // After the orchestrator's drain, whose last changes it may still deliver; before the pool closes.
      stops.push(() => outbox.stop());
      // The PR watcher (docs/pr-loop.md) runs wherever workflows run; stopped before the pool closes.
      const watcher = await startPrWatcher({
        db,
        databaseUrl,
        forge: adapters.forge,
        gateway: { orchestrator, config },
        log,
        settings: config.prLoop,
        botLogin: config.channels.github.botLogin,
        github: createGitHubChannelApi({ github: config.github }),
      });
      stops.unshift(() => watcher.stop());
      // Memory's review pass (docs/memory.md): rules from the review comments the watcher records.
      const reviewLearner = startReviewLearner({
        db,
        memory: adapters.memory,
        log,
        config,
        secrets: configSecrets(config),
        botLogin: config.channels.github.botLogin,
        github: createGitHubChannelApi({ github: config.github }),
        intervalMs: config.prLoop.pollS * 1000,
      });
      stops.unshift(() => reviewLearner.stop());
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
        credentials,
        channelLimiter: createRateLimiter({ perMinute: config.channels.ratePerMinute }),
        webhookSecrets: createWebhookSecrets(secretKey),
        changeRequestMerger: adapters.changeRequestMerger,
        memory: adapters.memory,
        repoVerifier: createRepoVerifier({
          forge: adapters.forge,
          timeoutMs: config.onboardVerifyTimeoutS * 1000,
          log,
        }),
        envCache,
        admin: {
          config: async () =>
            effectiveConfig(config, {
              url,
              pid: process.pid,
              embeddedDataDir: embedded?.dataDir,
              sandbox: await adapters.sandboxBackend.available(),
            }),
          checkModel: () => checkModel(config, configSecrets(config)),
          checkChannels: () => checkChannels(config.channels, log),
        },
        ready: async () => (await db.query('SELECT 1')).rowCount === 1,
      });
      const server = await listen(app.fetch, config.port, config.host, config.requestReadTimeoutS, log);
      stops.unshift(() => close(server));
      url = urlOf(server, config.host);
      serverFile?.publish(url);
      log.info({ url, executorId }, 'ABCA is running');
    } else {
      log.info({ executorId }, 'ABCA worker is running');
    }
    let metricsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      const server = await listen(
        createMetricsApp(metrics).fetch,
        config.metricsPort,
        config.metricsHost,
        config.requestReadTimeoutS,
        log,
      );
      stops.unshift(() => close(server));
      metricsUrl = `${urlOf(server, config.metricsHost)}/metrics`;
      log.info({ metricsUrl }, 'metrics are served on their own listener, without a key');
    }
    return {
      config,
      url,
      metricsUrl,
      databaseUrl,
      executorId,
      adminKeyFile,
      db,
      embeddedDataDir: embedded?.dataDir,
      async stopNow() {
        await orchestrator.stopNow();
        processes.stopAll();
      },
      async stop(opts = {}) {
        stopOptions = opts;
        for (const stop of stops) await stop().catch((err) => log.warn({ err }, 'error while stopping'));
        // A stopped server must not leave its URL behind for the CLI.
        serverFile?.release();
        await db.end().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    serverFile?.release();
    await db.end().catch(() => {});
    await embedded?.stop();
    throw err;
  }
}

function listen(
  fetch: HttpServerOptions['fetch'],
  port: number,
  hostname: string,
  readTimeoutS: number,
  log: Logger,
): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = createHttpServer({ fetch, hostname, readTimeoutS, log });
    s.once('error', reject);
    s.listen(port, hostname, () => resolve(s));
  });
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

function urlOf(server: Server, host: string): string {
  const addr = server.address();
  return `http://${host}:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

/** Every secret a channel notifier could meet, for redacting its error messages. */
function channelSecrets(config: Config): string[] {
  const c = config.channels;
  return [...configSecrets(config), c.github.webhookSecret, c.slack.botToken, c.slack.signingSecret].filter(
    (s): s is string => typeof s === 'string' && s.length >= 6,
  );
}

/**
 * Scale-out needs one key on every machine: stored credentials sealed by another key cannot be
 * used here, and would fail their tasks' pre-flight. Said once at start, where the operator looks.
 */
async function warnOfOtherKeys(db: Db, credentials: RepoCredentials, log: Logger): Promise<void> {
  const others = [...(await countRepoCredentialsByKey(db))].filter(([id]) => id !== credentials.keyId);
  if (others.length === 0) return;
  log.warn(
    { keyId: credentials.keyId, otherKeys: Object.fromEntries(others) },
    'some stored repo credentials were sealed with another secret key: set ABCA_SECRET_KEY to the same key on every machine',
  );
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
