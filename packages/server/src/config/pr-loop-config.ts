import { z } from 'zod';

/**
 * The PR watcher's settings (docs/pr-loop.md "The PR watcher"): how often ABCA's pull requests
 * are polled, and the limits per pull request that stop loops. Each repo may override the limits
 * and turn the watcher off (contracts RepoSettings `pr_*`).
 */
export const PrLoopConfigSchema = z.object({
  /** Seconds between two polls of one watched pull request (webhooks make it sooner). */
  pollS: z.coerce
    .number({ error: 'ABCA_PR_POLL_S must be a number of seconds' })
    .int('ABCA_PR_POLL_S must be a whole number of seconds')
    .min(1, 'ABCA_PR_POLL_S must be at least 1 second')
    .max(86_400, 'ABCA_PR_POLL_S must be at most 86400 seconds')
    .default(60),
  /**
   * The longest a quiet pull request waits between polls: each poll that finds nothing new doubles
   * its interval, from `pollS` up to this; any activity (or a webhook) brings it back to `pollS`.
   */
  pollMaxS: z.coerce
    .number({ error: 'ABCA_PR_POLL_MAX_S must be a number of seconds' })
    .int('ABCA_PR_POLL_MAX_S must be a whole number of seconds')
    .min(1, 'ABCA_PR_POLL_MAX_S must be at least 1 second')
    .max(604_800, 'ABCA_PR_POLL_MAX_S must be at most 604800 seconds (a week)')
    .default(1800),
  /** Iteration tasks the watcher starts on one pull request; then it stops watching it. */
  maxIterations: z.coerce
    .number({ error: 'ABCA_PR_MAX_ITERATIONS must be a whole number' })
    .int('ABCA_PR_MAX_ITERATIONS must be a whole number')
    .min(0, 'ABCA_PR_MAX_ITERATIONS must be 0 or more')
    .max(50, 'ABCA_PR_MAX_ITERATIONS must be at most 50')
    .default(3),
  /** What one pull request's tasks (the opening task and its iterations) may spend, in USD. */
  maxSpendUsd: z.coerce
    .number({ error: 'ABCA_PR_MAX_SPEND_USD must be a number of US dollars, such as 5' })
    .gt(0, 'ABCA_PR_MAX_SPEND_USD must be more than 0')
    .max(1000, 'ABCA_PR_MAX_SPEND_USD must be at most 1000')
    .default(5),
  /** The GitHub label a person adds to a pull request to stop the watcher on it. */
  stopLabel: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[^\s,][^,]*$/, 'ABCA_PR_STOP_LABEL must be a GitHub label name (no commas)')
    .default('abca:stop'),
});
export type PrLoopConfig = z.infer<typeof PrLoopConfigSchema>;

export const PR_LOOP_ENV_NAMES: Record<string, string> = {
  'prLoop.pollS': 'ABCA_PR_POLL_S',
  'prLoop.pollMaxS': 'ABCA_PR_POLL_MAX_S',
  'prLoop.maxIterations': 'ABCA_PR_MAX_ITERATIONS',
  'prLoop.maxSpendUsd': 'ABCA_PR_MAX_SPEND_USD',
  'prLoop.stopLabel': 'ABCA_PR_STOP_LABEL',
};

/** The raw PR-loop settings from an environment, for {@link PrLoopConfigSchema}. */
export function readPrLoopEnv(get: (name: string) => string | undefined) {
  return {
    pollS: get('ABCA_PR_POLL_S'),
    pollMaxS: get('ABCA_PR_POLL_MAX_S'),
    maxIterations: get('ABCA_PR_MAX_ITERATIONS'),
    maxSpendUsd: get('ABCA_PR_MAX_SPEND_USD'),
    stopLabel: get('ABCA_PR_STOP_LABEL'),
  };
}
