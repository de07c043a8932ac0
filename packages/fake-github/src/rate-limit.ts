import type { Principal } from './auth.ts';

export interface RateWindow {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds at which the window resets. */
  readonly reset: number;
  readonly used: number;
}

const WINDOW_SECONDS = 3600;

/** GitHub's primary REST budget per caller: 5,000 an hour authenticated, 60 anonymous. Never enforced. */
export class RateLimits {
  private readonly windows = new Map<string, { reset: number; used: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts one request against the caller's window and returns it; `count: false` only reads it. */
  track(principal: Principal, count = true): RateWindow {
    const key = principalKey(principal);
    const nowSeconds = Math.floor(this.clock() / 1000);
    let window = this.windows.get(key);
    if (!window || window.reset <= nowSeconds) {
      window = { reset: nowSeconds + WINDOW_SECONDS, used: 0 };
      this.windows.set(key, window);
    }
    if (count) window.used += 1;
    const limit = principal.kind === 'anonymous' ? 60 : 5000;
    return { limit, used: window.used, remaining: Math.max(limit - window.used, 0), reset: window.reset };
  }
}

function principalKey(principal: Principal): string {
  switch (principal.kind) {
    case 'pat':
    case 'installation':
      return `${principal.kind}:${principal.login}`;
    case 'app':
      return `app:${principal.appId}`;
    default:
      return 'anonymous';
  }
}

export function rateLimitHeaders(window: RateWindow): Record<string, string> {
  return {
    'x-ratelimit-limit': String(window.limit),
    'x-ratelimit-remaining': String(window.remaining),
    'x-ratelimit-reset': String(window.reset),
    'x-ratelimit-used': String(window.used),
    'x-ratelimit-resource': 'core',
  };
}
