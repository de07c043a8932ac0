import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('rate limiter', () => {
  it('allows perMinute deliveries per key in a minute, then says how long to wait', () => {
    let t = 1_000_000;
    const limiter = createRateLimiter({ perMinute: 3, now: () => t });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 60 });
    expect(limiter.take('b').ok).toBe(true);
    t += 45_000;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 15 });
    t += 15_000;
    expect(limiter.take('a').ok).toBe(true);
  });
});
