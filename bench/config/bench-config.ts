import { z } from 'zod';
import { REMOVE_LIST_ENV } from '../bench-folders.ts';

const count = (name: string, def: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`)
    .default(def);

/**
 * The knobs of `npm run bench`, read from the environment once and validated (a bad value stops
 * the benchmark with a message naming it). Sizes default to the figures the docs report.
 */
const BenchConfigSchema = z.object({
  /** Any PostgreSQL to benchmark against instead of an embedded one. */
  databaseUrl: z.string().optional(),
  path: z.string(),
  trace: z.boolean(),
  /** How many times each figure is measured: it reports their median and spread (min–max). */
  runs: count('BENCH_RUNS', 5),
  e2eRepoFiles: count('BENCH_REPO_FILES', 3000),
  e2eTasks: count('BENCH_E2E_TASKS', 5),
  /** Concurrent trivial tasks of each throughput figure. */
  e2eConcurrency: z.array(count('BENCH_E2E_CONCURRENCY', 1)).min(1),
  e2eThroughputRuns: count('BENCH_E2E_THROUGHPUT_RUNS', 2),
  /** ABCA_MAX_TASKS of the end-to-end bench; unset: the platform's default (from the cores). */
  e2eMaxTasks: z.coerce
    .number({ error: 'BENCH_E2E_MAX_TASKS must be a whole number' })
    .int('BENCH_E2E_MAX_TASKS must be a whole number')
    .positive('BENCH_E2E_MAX_TASKS must be greater than 0')
    .optional(),
  forgeFiles: count('BENCH_FORGE_FILES', 3000),
  forgeRounds: count('BENCH_FORGE_ROUNDS', 5),
  createTotal: count('BENCH_CREATE_TOTAL', 300),
  latencySamples: count('BENCH_LATENCY_SAMPLES', 20),
  memoryRecords: count('BENCH_MEMORY_RECORDS', 100_000),
  memorySamples: count('BENCH_MEMORY_SAMPLES', 30),
  /** Set by `npm run bench` (bench/run.ts): the run's list of folders to remove after the last bench. */
  removeList: z.string().optional(),
});
export type BenchConfig = z.infer<typeof BenchConfigSchema>;

export function loadBenchConfig(env: Record<string, string | undefined>): BenchConfig {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const parsed = BenchConfigSchema.safeParse({
    databaseUrl: blank(env.DATABASE_URL),
    path: blank(env.PATH) ?? '/usr/bin:/bin',
    trace: Boolean(blank(env.BENCH_TRACE)),
    runs: blank(env.BENCH_RUNS),
    e2eRepoFiles: blank(env.BENCH_REPO_FILES),
    e2eTasks: blank(env.BENCH_E2E_TASKS),
    e2eConcurrency: (blank(env.BENCH_E2E_CONCURRENCY) ?? '1,10,50').split(',').map((v) => v.trim()),
    e2eThroughputRuns: blank(env.BENCH_E2E_THROUGHPUT_RUNS),
    e2eMaxTasks: blank(env.BENCH_E2E_MAX_TASKS),
    forgeFiles: blank(env.BENCH_FORGE_FILES),
    forgeRounds: blank(env.BENCH_FORGE_ROUNDS),
    createTotal: blank(env.BENCH_CREATE_TOTAL),
    latencySamples: blank(env.BENCH_LATENCY_SAMPLES),
    memoryRecords: blank(env.BENCH_MEMORY_RECORDS),
    memorySamples: blank(env.BENCH_MEMORY_SAMPLES),
    removeList: blank(env[REMOVE_LIST_ENV]),
  });
  if (!parsed.success) {
    console.error(
      `Invalid benchmark settings:\n${parsed.error.issues.map((i) => `  - ${i.message}`).join('\n')}`,
    );
    process.exit(2);
  }
  return parsed.data;
}

/** The settings of this benchmark process. */
export const benchConfig: BenchConfig = loadBenchConfig(process.env);

/** The environment of a bench the runner (bench/run.ts) starts: this process's, with `extra` over it. */
export function benchChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
