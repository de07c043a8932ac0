import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const positiveInt = (name: string, def: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`)
    .default(def);

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
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  caps: z.object({
    perUser: positiveInt('ABCA_MAX_TASKS_PER_USER', 3),
    perRepo: positiveInt('ABCA_MAX_TASKS_PER_REPO', 5),
    global: positiveInt('ABCA_MAX_TASKS', 10),
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
  defaultMaxTurns: positiveInt('ABCA_DEFAULT_MAX_TURNS', 100),
  /** Wall time of a whole task, in seconds. */
  taskTimeoutS: positiveInt('ABCA_TASK_TIMEOUT_S', 3600),
  queueMaxAgeS: positiveInt('ABCA_QUEUE_MAX_AGE_S', 86_400),
  /** Fakes: artificial latency of each fake port call (tests and demos). */
  fakeDelayMs: z.coerce.number().int().min(0).default(0),
  agentRuntime: z.enum(['fake']).default('fake'),
  forge: z.enum(['fake']).default('fake'),
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
  logLevel: 'ABCA_LOG_LEVEL',
  'caps.perUser': 'ABCA_MAX_TASKS_PER_USER',
  'caps.perRepo': 'ABCA_MAX_TASKS_PER_REPO',
  'caps.global': 'ABCA_MAX_TASKS',
  workerSlots: 'ABCA_WORKER_SLOTS',
  executorId: 'ABCA_EXECUTOR_ID',
  heartbeatMs: 'ABCA_HEARTBEAT_MS',
  executorStaleMs: 'ABCA_EXECUTOR_STALE_MS',
  reconcileMs: 'ABCA_RECONCILE_MS',
  defaultMaxTurns: 'ABCA_DEFAULT_MAX_TURNS',
  taskTimeoutS: 'ABCA_TASK_TIMEOUT_S',
  queueMaxAgeS: 'ABCA_QUEUE_MAX_AGE_S',
  fakeDelayMs: 'ABCA_FAKE_DELAY_MS',
  agentRuntime: 'ABCA_AGENT_RUNTIME',
  forge: 'ABCA_FORGE',
};

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
    defaultMaxTurns: blank(env.ABCA_DEFAULT_MAX_TURNS),
    taskTimeoutS: blank(env.ABCA_TASK_TIMEOUT_S),
    queueMaxAgeS: blank(env.ABCA_QUEUE_MAX_AGE_S),
    fakeDelayMs: blank(env.ABCA_FAKE_DELAY_MS),
    agentRuntime: blank(env.ABCA_AGENT_RUNTIME),
    forge: blank(env.ABCA_FORGE),
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
  if (parsed.data.executorStaleMs <= parsed.data.heartbeatMs * 2) {
    throw new ConfigError([
      'ABCA_EXECUTOR_STALE_MS must be more than twice ABCA_HEARTBEAT_MS, or live workers look dead',
    ]);
  }
  return parsed.data;
}
