import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PROVIDER_IDS } from '@abca/agent/without-models';
import { parseCidr } from '@abca/sandbox';
import { z } from 'zod';
import { CHANNELS_ENV_NAMES, ChannelsConfigSchema, readChannelsEnv } from './channels-config.ts';
import { defaultMaxTasks } from './default-slots.ts';
import { MEMORY_ENV_NAMES, MemoryConfigSchema, readMemoryEnv } from './memory-config.ts';
import {
  applyModelBaseUrl,
  httpUrl,
  MODEL_PROVIDER_ENV_NAMES,
  ModelProvidersSchema,
  readModelProviders,
} from './model-providers.ts';
import { PR_LOOP_ENV_NAMES, PrLoopConfigSchema, readPrLoopEnv } from './pr-loop-config.ts';
import { PriceFileError, readPriceFile } from './prices.ts';

const positiveInt = (name: string, def: number | (() => number)) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`)
    .default(typeof def === 'number' ? () => def : def);

/** Every setting the platform reads, from the environment; validated once at start. */
export const ConfigSchema = z.object({
  home: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  port: z.coerce
    .number({ error: 'ABCA_PORT must be a port number' })
    .int()
    .min(0, 'ABCA_PORT must be between 0 and 65535')
    .max(65535, 'ABCA_PORT must be between 0 and 65535')
    .default(8787),
  host: z.string().default('127.0.0.1'),
  /**
   * Seconds a client has to send a whole request, headers and body, before a 408 closes its
   * connection (a stalled or trickled body must not hold a connection for minutes). Responses,
   * followed event streams included, are not limited by it.
   */
  requestReadTimeoutS: z.coerce
    .number({ error: 'ABCA_REQUEST_READ_TIMEOUT_S must be a number of seconds' })
    .min(1, 'ABCA_REQUEST_READ_TIMEOUT_S must be at least 1 second')
    .max(3600, 'ABCA_REQUEST_READ_TIMEOUT_S must be at most 3600 seconds')
    .default(15),
  /**
   * A listener of its own for `/metrics`, served there without a key (the API then has none);
   * unset: `/metrics` is on the API port behind any API key.
   */
  metricsPort: z.coerce
    .number({ error: 'ABCA_METRICS_PORT must be a port number' })
    .int('ABCA_METRICS_PORT must be a port number')
    .min(0, 'ABCA_METRICS_PORT must be between 0 and 65535')
    .max(65535, 'ABCA_METRICS_PORT must be between 0 and 65535')
    .optional(),
  /** Where the metrics listener binds; loopback by default, since it asks for no key. */
  metricsHost: z.string().default('127.0.0.1'),
  /**
   * Base64 of the 32-byte key that seals stored secrets (repo credentials); unset: the key file
   * `<home>/secret.key`, made at first start. Every machine of one platform needs the same key.
   */
  secretKey: z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, 'base64').length === 32,
      'ABCA_SECRET_KEY must be the base64 of 32 bytes (make one with: openssl rand -base64 32)',
    )
    .optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  caps: z.object({
    perUser: positiveInt('ABCA_MAX_TASKS_PER_USER', 3),
    perRepo: positiveInt('ABCA_MAX_TASKS_PER_REPO', 5),
    /** Unset: two per core of this machine ({@link defaultMaxTasks}). */
    global: positiveInt('ABCA_MAX_TASKS', () => defaultMaxTasks()),
  }),
  /** How many task workflows one worker process runs at once. */
  workerSlots: positiveInt('ABCA_WORKER_SLOTS', 10),
  executorId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'ABCA_EXECUTOR_ID may hold letters, digits, . _ - only')
    .optional(),
  hostname: z.string(),
  heartbeatMs: positiveInt('ABCA_HEARTBEAT_MS', 2000),
  /** A worker whose heartbeat is older than this is dead; its workflows move to a live worker. */
  executorStaleMs: positiveInt('ABCA_EXECUTOR_STALE_MS', 10_000),
  /** How often each process re-runs admission and recovery checks (a backstop to notifications). */
  reconcileMs: positiveInt('ABCA_RECONCILE_MS', 1000),
  /**
   * How often a worker looks at the shared task queue, where only a task no process could start at
   * once waits (all local slots full, or an API-only process's hand-over no worker heard): such a
   * task starts up to this long after a slot frees. Each look is four queries, idle or not. One
   * value for the whole platform (DBOS keeps it in the database: the last worker to start sets it).
   */
  queuePollMs: positiveInt('ABCA_QUEUE_POLL_MS', 1000).pipe(
    z.number().max(60_000, 'ABCA_QUEUE_POLL_MS must be at most 60000 (one minute)'),
  ),
  defaultMaxTurns: positiveInt('ABCA_DEFAULT_MAX_TURNS', 100),
  /**
   * Dollar budget of a task that gives none and whose repo sets no `max_budget_usd`; unset: none.
   * Enforced only on a priced model (see docs/costs.md).
   */
  defaultMaxBudgetUsd: z.coerce
    .number({ error: 'ABCA_DEFAULT_MAX_BUDGET_USD must be a number of US dollars, such as 5' })
    .gt(0, 'ABCA_DEFAULT_MAX_BUDGET_USD must be more than 0 (leave it unset for no default budget)')
    .max(100, 'ABCA_DEFAULT_MAX_BUDGET_USD must be at most 100 (the largest per-task budget)')
    .optional(),
  /**
   * The operator's price table from `ABCA_PRICES_FILE`, USD per million tokens by model ref or
   * model-id prefix; merged over the built-in list prices (see `lookupPrice` in `@abca/agent`).
   */
  prices: z.record(
    z.string(),
    z.object({
      input: z.number(),
      output: z.number(),
      cacheRead: z.number().optional(),
      cacheWrite: z.number().optional(),
    }),
  ),
  /** Wall time of a whole task, in seconds. */
  taskTimeoutS: positiveInt('ABCA_TASK_TIMEOUT_S', 3600),
  /**
   * How long a graceful stop (SIGINT/SIGTERM) may take, in seconds: running agents stop at their next
   * turn boundary within it; at its end what still runs is cut (and resumes later).
   */
  stopTimeoutS: positiveInt('ABCA_STOP_TIMEOUT_S', 30),
  queueMaxAgeS: positiveInt('ABCA_QUEUE_MAX_AGE_S', 86_400),
  /** Longest wait, in seconds, for a remote while a repo is onboarded (more: `REMOTE_TIMEOUT`). */
  onboardVerifyTimeoutS: positiveInt('ABCA_ONBOARD_VERIFY_TIMEOUT_S', 20),
  /**
   * Largest bundle of a task's work the host takes out of a sandbox: what is pushed, and kept in
   * the database as the checkpoint another machine can finish from. More: `WORK_TOO_LARGE`.
   */
  checkpointMaxBytes: positiveInt('ABCA_CHECKPOINT_MAX_BYTES', 64 * 1024 * 1024),
  /** Files a workspace checkout may hold (more: `REPO_TOO_LARGE`, checked before checking out). */
  workspaceMaxFiles: positiveInt('ABCA_WORKSPACE_MAX_FILES', 1_000_000),
  /** Largest single file a task's commits may add (more: `WORK_TOO_LARGE`); GitHub refuses over 100 MB. */
  workMaxFileBytes: positiveInt('ABCA_WORK_MAX_FILE_BYTES', 100 * 1024 * 1024),
  /** Hours a finished task's workspace is kept on the worker's disk for inspection (0: removed soon after). */
  workspaceRetentionHours: z.coerce
    .number({ error: 'ABCA_WORKSPACE_RETENTION_HOURS must be a number of hours' })
    .min(0, 'ABCA_WORKSPACE_RETENTION_HOURS must be 0 or more')
    .default(24),
  /**
   * The environment cache (docs/env-cache.md): after a clean setup, what it produced is kept and the
   * next task with the same key gets it without running setup. `on` (default) or `off`.
   */
  envCache: z
    .enum(['on', 'off'], { error: 'ABCA_ENV_CACHE must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  /** The environment cache's size cap in bytes; least recently used snapshots are removed first. */
  envCacheMaxBytes: positiveInt('ABCA_ENV_CACHE_MAX_BYTES', 10 * 1024 ** 3),
  /**
   * Milliseconds within which one refresh of a repo's mirror serves every task that asks (tasks
   * that need newer state still fetch); 0: only a refresh that begins after the asking serves it.
   */
  mirrorFreshMs: z.coerce
    .number({ error: 'ABCA_MIRROR_FRESH_MS must be a whole number of milliseconds' })
    .int('ABCA_MIRROR_FRESH_MS must be a whole number of milliseconds')
    .min(0, 'ABCA_MIRROR_FRESH_MS must be 0 or more')
    .max(3_600_000, 'ABCA_MIRROR_FRESH_MS must be at most 3600000 (an hour)')
    .default(2_000),
  /**
   * Seconds a successful access check of a repo (pre-flight: reachable, may push) is trusted by
   * this process for the same remote URL and credential; 0: every task checks. A changed URL or
   * credential, and a push refused for access, check again at once; failures are never kept.
   */
  accessCheckTtlS: z.coerce
    .number({ error: 'ABCA_ACCESS_CHECK_TTL_S must be a whole number of seconds' })
    .int('ABCA_ACCESS_CHECK_TTL_S must be a whole number of seconds')
    .min(0, 'ABCA_ACCESS_CHECK_TTL_S must be 0 or more')
    .max(86_400, 'ABCA_ACCESS_CHECK_TTL_S must be at most 86400 (a day)')
    .default(300),
  /** Fakes: artificial latency of each fake port call (tests and demos). */
  fakeDelayMs: z.coerce.number().int().min(0).default(0),
  /**
   * Tests: a file each event that does not match its contract schema is appended to (one JSON line
   * each); the test suites set it and fail on any line. Unset: such an event is only logged.
   */
  eventCheckFile: z.string().min(1).optional(),
  /** `builtin`: the built-in agent in a sandbox with ABCA_MODEL; `fake`: no model, for tests and demos. */
  agentRuntime: z.enum(['builtin', 'fake']).default('builtin'),
  /** `log`: notifications go to the log (API tasks need no more); `fake`: recorded for tests. */
  notifier: z.enum(['log', 'fake']).default('log'),
  /** `bubblewrap` (isolated, the default) or `local` (no isolation, development only). */
  sandbox: z.enum(['bubblewrap', 'local']).default('bubblewrap'),
  /**
   * `provider:model`, e.g. `anthropic:claude-sonnet-4-5`: the default model. The operator may name
   * another configured provider per repo; a repo's own config file may not.
   */
  model: z
    .string()
    .regex(
      new RegExp(`^(${PROVIDER_IDS.join('|')}):.+$`),
      `ABCA_MODEL must look like provider:model with provider ${PROVIDER_IDS.join(', ')}`,
    )
    .optional(),
  /**
   * `ABCA_MODEL_BASE_URL` as given: the endpoint of the provider of `ABCA_MODEL` only. At load it is
   * folded into `modelProviders.baseUrls` under that provider; read that, never this.
   */
  modelBaseUrl: httpUrl('ABCA_MODEL_BASE_URL', 'http://127.0.0.1:11434/v1').optional(),
  /**
   * The model's context window in input tokens. Default: the family's known window (Claude 200k,
   * GPT-4o 128k, ...); set it for a model without one (`openai-compatible`) or a smaller one. At
   * 80% of it, older tool outputs are pruned, then the history is compacted into a summary.
   */
  modelContextTokens: z.coerce
    .number({ error: 'ABCA_MODEL_CONTEXT_TOKENS must be a whole number of tokens' })
    .int('ABCA_MODEL_CONTEXT_TOKENS must be a whole number of tokens')
    .min(1000, 'ABCA_MODEL_CONTEXT_TOKENS must be at least 1000 tokens')
    .optional(),
  /** Each provider's credentials and endpoint, kept apart by provider. Secret. */
  modelProviders: ModelProvidersSchema,
  /** Every model-provider variable that is set, by name: listed so each value is redacted. Secret. */
  modelEnv: z.record(z.string(), z.string()),
  github: z.object({
    token: z.string().optional(),
    appId: z.coerce.number({ error: 'ABCA_GITHUB_APP_ID must be a number' }).int().positive().optional(),
    privateKey: z.string().optional(),
    installationId: z.coerce
      .number({ error: 'ABCA_GITHUB_APP_INSTALLATION_ID must be a number' })
      .int()
      .positive()
      .optional(),
    apiUrl: z.url('ABCA_GITHUB_API_URL must be a URL such as https://github.example.com/api/v3').optional(),
  }),
  /** GitHub and Slack as channels, signed webhooks, ingress limits (channels-config.ts). Secret. */
  channels: ChannelsConfigSchema,
  /** The PR watcher: poll interval and the limits per pull request (pr-loop-config.ts). */
  prLoop: PrLoopConfigSchema,
  memory: MemoryConfigSchema,
  /** Hosts the sandbox may reach when a repo sets no allowlist of its own (package registries). */
  defaultAllowlist: z.array(z.string()),
  /**
   * Non-public CIDR ranges an allowlisted name may resolve to (an internal registry, a proxy on the
   * LAN). Default none: loopback, private, link-local and metadata addresses are refused, so an
   * allowlisted name cannot lead a sandbox to this server's own API or the cloud's credentials.
   */
  egressAllowPrivate: z.array(z.string()).superRefine((ranges, ctx) => {
    for (const range of ranges.filter((r) => parseCidr(r) === undefined))
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(range)} is not a CIDR range such as 10.0.0.0/8 or fd00::/8`,
      });
  }),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ENV_NAMES: Record<string, string> = {
  home: 'ABCA_HOME',
  databaseUrl: 'DATABASE_URL',
  port: 'ABCA_PORT',
  host: 'ABCA_HOST',
  requestReadTimeoutS: 'ABCA_REQUEST_READ_TIMEOUT_S',
  metricsPort: 'ABCA_METRICS_PORT',
  metricsHost: 'ABCA_METRICS_HOST',
  secretKey: 'ABCA_SECRET_KEY',
  logLevel: 'ABCA_LOG_LEVEL',
  'caps.perUser': 'ABCA_MAX_TASKS_PER_USER',
  'caps.perRepo': 'ABCA_MAX_TASKS_PER_REPO',
  'caps.global': 'ABCA_MAX_TASKS',
  workerSlots: 'ABCA_WORKER_SLOTS',
  executorId: 'ABCA_EXECUTOR_ID',
  heartbeatMs: 'ABCA_HEARTBEAT_MS',
  executorStaleMs: 'ABCA_EXECUTOR_STALE_MS',
  reconcileMs: 'ABCA_RECONCILE_MS',
  queuePollMs: 'ABCA_QUEUE_POLL_MS',
  defaultMaxTurns: 'ABCA_DEFAULT_MAX_TURNS',
  defaultMaxBudgetUsd: 'ABCA_DEFAULT_MAX_BUDGET_USD',
  prices: 'ABCA_PRICES_FILE',
  taskTimeoutS: 'ABCA_TASK_TIMEOUT_S',
  stopTimeoutS: 'ABCA_STOP_TIMEOUT_S',
  queueMaxAgeS: 'ABCA_QUEUE_MAX_AGE_S',
  onboardVerifyTimeoutS: 'ABCA_ONBOARD_VERIFY_TIMEOUT_S',
  workspaceRetentionHours: 'ABCA_WORKSPACE_RETENTION_HOURS',
  checkpointMaxBytes: 'ABCA_CHECKPOINT_MAX_BYTES',
  workspaceMaxFiles: 'ABCA_WORKSPACE_MAX_FILES',
  workMaxFileBytes: 'ABCA_WORK_MAX_FILE_BYTES',
  envCache: 'ABCA_ENV_CACHE',
  envCacheMaxBytes: 'ABCA_ENV_CACHE_MAX_BYTES',
  mirrorFreshMs: 'ABCA_MIRROR_FRESH_MS',
  accessCheckTtlS: 'ABCA_ACCESS_CHECK_TTL_S',
  fakeDelayMs: 'ABCA_FAKE_DELAY_MS',
  eventCheckFile: 'ABCA_EVENT_CHECK_FILE',
  agentRuntime: 'ABCA_AGENT_RUNTIME',
  sandbox: 'ABCA_SANDBOX',
  notifier: 'ABCA_NOTIFIER',
  model: 'ABCA_MODEL',
  modelBaseUrl: 'ABCA_MODEL_BASE_URL',
  modelContextTokens: 'ABCA_MODEL_CONTEXT_TOKENS',
  ...MODEL_PROVIDER_ENV_NAMES,
  'github.token': 'ABCA_GITHUB_TOKEN',
  'github.appId': 'ABCA_GITHUB_APP_ID',
  'github.privateKey': 'ABCA_GITHUB_APP_PRIVATE_KEY',
  'github.installationId': 'ABCA_GITHUB_APP_INSTALLATION_ID',
  'github.apiUrl': 'ABCA_GITHUB_API_URL',
  ...CHANNELS_ENV_NAMES,
  ...PR_LOOP_ENV_NAMES,
  ...MEMORY_ENV_NAMES,
  defaultAllowlist: 'ABCA_DEFAULT_ALLOWLIST',
  egressAllowPrivate: 'ABCA_EGRESS_ALLOW_PRIVATE',
};

/** Variables the model providers read (passed to them explicitly, never logged). */
export const MODEL_ENV_NAMES = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'ABCA_MODEL_API_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_BEARER_TOKEN_BEDROCK',
] as const;

export const DEFAULT_ALLOWLIST = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'proxy.golang.org',
  'sum.golang.org',
  'crates.io',
  'static.crates.io',
  'index.crates.io',
  'rubygems.org',
  'repo.maven.apache.org',
];

/** Environment variable names and what they set, for docs and `abca doctor`. */
export const CONFIG_ENV_NAMES = ENV_NAMES;

/**
 * Reads the configuration from an environment (`process.env` at the composition root, a plain
 * object in tests). Throws {@link ConfigError} naming each bad variable and what it must be.
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<Config> = {}): Config {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const raw = {
    home: resolve(blank(env.ABCA_HOME) ?? join(homedir(), '.abca')),
    databaseUrl: blank(env.DATABASE_URL),
    port: blank(env.ABCA_PORT),
    host: blank(env.ABCA_HOST),
    requestReadTimeoutS: blank(env.ABCA_REQUEST_READ_TIMEOUT_S),
    metricsPort: blank(env.ABCA_METRICS_PORT),
    metricsHost: blank(env.ABCA_METRICS_HOST),
    secretKey: blank(env.ABCA_SECRET_KEY),
    logLevel: blank(env.ABCA_LOG_LEVEL),
    caps: {
      perUser: blank(env.ABCA_MAX_TASKS_PER_USER),
      perRepo: blank(env.ABCA_MAX_TASKS_PER_REPO),
      global: blank(env.ABCA_MAX_TASKS),
    },
    workerSlots: blank(env.ABCA_WORKER_SLOTS),
    executorId: blank(env.ABCA_EXECUTOR_ID),
    hostname: hostname(),
    heartbeatMs: blank(env.ABCA_HEARTBEAT_MS),
    executorStaleMs: blank(env.ABCA_EXECUTOR_STALE_MS),
    reconcileMs: blank(env.ABCA_RECONCILE_MS),
    queuePollMs: blank(env.ABCA_QUEUE_POLL_MS),
    defaultMaxTurns: blank(env.ABCA_DEFAULT_MAX_TURNS),
    defaultMaxBudgetUsd: blank(env.ABCA_DEFAULT_MAX_BUDGET_USD),
    prices: readPrices(blank(env.ABCA_PRICES_FILE)),
    taskTimeoutS: blank(env.ABCA_TASK_TIMEOUT_S),
    stopTimeoutS: blank(env.ABCA_STOP_TIMEOUT_S),
    queueMaxAgeS: blank(env.ABCA_QUEUE_MAX_AGE_S),
    onboardVerifyTimeoutS: blank(env.ABCA_ONBOARD_VERIFY_TIMEOUT_S),
    workspaceRetentionHours: blank(env.ABCA_WORKSPACE_RETENTION_HOURS),
    checkpointMaxBytes: blank(env.ABCA_CHECKPOINT_MAX_BYTES),
    workspaceMaxFiles: blank(env.ABCA_WORKSPACE_MAX_FILES),
    workMaxFileBytes: blank(env.ABCA_WORK_MAX_FILE_BYTES),
    envCache: blank(env.ABCA_ENV_CACHE)?.toLowerCase(),
    envCacheMaxBytes: blank(env.ABCA_ENV_CACHE_MAX_BYTES),
    mirrorFreshMs: blank(env.ABCA_MIRROR_FRESH_MS),
    accessCheckTtlS: blank(env.ABCA_ACCESS_CHECK_TTL_S),
    fakeDelayMs: blank(env.ABCA_FAKE_DELAY_MS),
    eventCheckFile: blank(env.ABCA_EVENT_CHECK_FILE),
    agentRuntime: blank(env.ABCA_AGENT_RUNTIME),
    sandbox: blank(env.ABCA_SANDBOX),
    notifier: blank(env.ABCA_NOTIFIER),
    model: blank(env.ABCA_MODEL),
    modelBaseUrl: blank(env.ABCA_MODEL_BASE_URL),
    modelContextTokens: blank(env.ABCA_MODEL_CONTEXT_TOKENS),
    modelProviders: readModelProviders((name) => blank(env[name])),
    modelEnv: Object.fromEntries(
      MODEL_ENV_NAMES.flatMap((n) => (blank(env[n]) ? [[n, blank(env[n]) as string]] : [])),
    ),
    github: {
      token: blank(env.ABCA_GITHUB_TOKEN) ?? blank(env.GITHUB_TOKEN),
      appId: blank(env.ABCA_GITHUB_APP_ID),
      privateKey:
        blank(env.ABCA_GITHUB_APP_PRIVATE_KEY) ?? readKeyFile(blank(env.ABCA_GITHUB_APP_PRIVATE_KEY_FILE)),
      installationId: blank(env.ABCA_GITHUB_APP_INSTALLATION_ID),
      apiUrl: blank(env.ABCA_GITHUB_API_URL),
    },
    channels: readChannelsEnv((name) => blank(env[name])),
    prLoop: readPrLoopEnv((name) => blank(env[name])),
    memory: readMemoryEnv((name) => blank(env[name])),
    defaultAllowlist: blank(env.ABCA_DEFAULT_ALLOWLIST)
      ?.split(',')
      .map((h) => h.trim())
      .filter(Boolean) ?? [...DEFAULT_ALLOWLIST],
    egressAllowPrivate:
      blank(env.ABCA_EGRESS_ALLOW_PRIVATE)
        ?.split(',')
        .map((r) => r.trim())
        .filter(Boolean) ?? [],
    ...overrides,
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        const name = ENV_NAMES[key] ?? key;
        return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
      }),
    );
  }
  const gh = parsed.data.github;
  if (gh.appId !== undefined && !gh.privateKey) {
    throw new ConfigError([
      'ABCA_GITHUB_APP_ID is set but no private key: set ABCA_GITHUB_APP_PRIVATE_KEY_FILE to the .pem file',
    ]);
  }
  if (parsed.data.metricsPort === undefined && blank(env.ABCA_METRICS_HOST) !== undefined) {
    throw new ConfigError([
      'ABCA_METRICS_HOST is set but not ABCA_METRICS_PORT: set the port of the metrics listener',
    ]);
  }
  if (parsed.data.executorStaleMs <= parsed.data.heartbeatMs * 2) {
    throw new ConfigError([
      'ABCA_EXECUTOR_STALE_MS must be more than twice ABCA_HEARTBEAT_MS, or live workers look dead',
    ]);
  }
  const { model, modelBaseUrl, modelProviders } = parsed.data;
  const routed = applyModelBaseUrl(model, modelBaseUrl, modelProviders.baseUrls);
  if (!routed.ok) throw new ConfigError(routed.problems);
  return { ...parsed.data, modelProviders: { ...modelProviders, baseUrls: routed.baseUrls } };
}

function readPrices(path: string | undefined) {
  try {
    return readPriceFile(path);
  } catch (err) {
    if (err instanceof PriceFileError) throw new ConfigError(err.problems);
    throw err;
  }
}

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `ABCA_GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`,
    ]);
  }
}
