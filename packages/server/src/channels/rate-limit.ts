/**
 * Deliveries a minute per source (a webhook, a GitHub installation, a Slack team), in this
 * process: a flood gets `429` with `Retry-After`, never a 5xx. A fixed one-minute window per key;
 * keys not seen for a window are forgotten, so memory stays bounded by the sources of one minute.
 */
export interface RateLimiter {
  /** Takes one delivery from `key`'s allowance; the seconds to wait when none is left. */
  take(key: string): { ok: true } | { ok: false; retryAfterS: number };
}

export function createRateLimiter(opts: { perMinute: number; now?: () => number }): RateLimiter {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  let swept = now();
  return {
    take(key) {
      const t = now();
      if (t - swept > 60_000) {
        for (const [k, w] of windows) if (t - w.start >= 60_000) windows.delete(k);
        swept = t;
      }
      let w = windows.get(key);
      if (!w || t - w.start >= 60_000) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      if (w.count >= opts.perMinute)
        return { ok: false, retryAfterS: Math.max(1, Math.ceil((w.start + 60_000 - t) / 1000)) };
      w.count++;
      return { ok: true };
    },
  };
}
