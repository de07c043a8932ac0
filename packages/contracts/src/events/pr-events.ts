import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * What the PR loop's steps did: an iteration's context and replies, a review's result. Each
 * entry's schema is the contract the CLI (and the dashboard) read it with.
 */
export const PR_EVENT_DATA = {
  /** Hydration of an iteration: what of the pull request went into the prompt. */
  'pr.iteration_context': z.object({
    pull_request: z.number().int(),
    /** Unresolved review threads (each with a short id `T1`, `T2`… in the prompt). */
    threads: count,
    /** Conversation comments since ABCA's last push on the pull request. */
    conversation: count,
    failing_checks: count,
    /** The time of ABCA's last push on the pull request, or null when there was none. */
    since: z.string().nullable(),
  }),
  /** Finalization of an iteration answered a review thread (and resolved it, when it pushed a change). */
  'pr.thread_replied': z.object({
    pull_request: z.number().int(),
    /** The short id the agent used (`T1`). */
    thread: z.string(),
    /** The forge's id of the thread. */
    thread_id: z.string(),
    resolved: z.boolean(),
  }),
  /** Finalization of an iteration rewrote the validation and cost section of the pull request's body. */
  'pr.body_updated': z.object({ pull_request: z.number().int(), tasks: count }),
} as const;
