import type { SSEStreamingApi } from 'hono/streaming';

/** How often a stream looks again without a notification (notifications are hints: one may be lost). */
export const LIVE_POLL_MS = 2000;
/** A comment line this often keeps proxies from closing a quiet stream. */
export const LIVE_KEEPALIVE_MS = 15_000;

/**
 * Drives a live page stream: runs `step` (read what is new, send it) whenever the event bus hints
 * that a watched task changed, or every {@link LIVE_POLL_MS}. `step` answers `again` (more is
 * waiting: run at once), `wait` (sleep until the next hint) or `done` (the stream ends). A hint that
 * comes while `step` runs is not lost: the next wait returns at once.
 */
export async function follow(
  stream: SSEStreamingApi,
  opts: {
    subscribe(onChange: () => void): () => void;
    step(): Promise<'again' | 'wait' | 'done'>;
    /** How long to wait without a hint (each time; default {@link LIVE_POLL_MS}). */
    pollMs?: () => number;
  },
): Promise<void> {
  let wake: (() => void) | undefined;
  let hinted = false;
  const unsubscribe = opts.subscribe(() => {
    hinted = true;
    wake?.();
  });
  stream.onAbort(() => wake?.());
  let idle = 0;
  try {
    while (!stream.aborted) {
      hinted = false;
      const next = await opts.step();
      if (next === 'done') break;
      if (next === 'again' || hinted) continue;
      const pollMs = opts.pollMs?.() ?? LIVE_POLL_MS;
      const woken = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), pollMs);
        wake = () => {
          clearTimeout(t);
          resolve(true);
        };
      });
      wake = undefined;
      if (woken) {
        idle = 0;
        continue;
      }
      idle += pollMs;
      if (idle >= LIVE_KEEPALIVE_MS) {
        idle = 0;
        await stream.write(': keep-alive\n\n');
      }
    }
  } finally {
    unsubscribe();
  }
}
