import type { ClassifiedModelError } from './classify-model-error.ts';

/** Backoff for retryable model failures (429, 5xx, network). */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Multiplier between consecutive delays. */
  factor: number;
}

/** 4 retries at 1 s, 2 s, 4 s, 8 s (or what `retry-after` asks, up to 60 s). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
};

/** A server may ask for at most this long; beyond it we keep our own backoff. */
const MAX_RETRY_AFTER_MS = 60_000;

/** One attempt's outcome: a value, or a classified failure. */
export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; error: ClassifiedModelError; aborted?: boolean };

/**
 * Runs `attempt` until it succeeds, fails permanently, is aborted or runs out of retries. Waits
 * with exponential backoff, or for the server's `retry-after` when it gives one. Never throws.
 */
export async function withRetries<T>(
  attempt: () => Promise<Attempt<T>>,
  policy: RetryPolicy,
  signal: AbortSignal,
): Promise<Attempt<T> & { retries: number }> {
  let delay = policy.initialDelayMs;
  for (let retries = 0; ; retries++) {
    const outcome = await attempt();
    if (outcome.ok || outcome.aborted || !outcome.error.retryable || retries >= policy.maxRetries) {
      return { ...outcome, retries };
    }
    const asked = outcome.error.retryAfterMs;
    const wait = asked !== undefined && asked <= MAX_RETRY_AFTER_MS ? asked : delay;
    delay = Math.min(delay * policy.factor, policy.maxDelayMs);
    if (!(await abortableDelay(wait, signal))) return { ...outcome, aborted: true, retries };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
