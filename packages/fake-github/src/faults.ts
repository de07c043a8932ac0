/** Which requests a fault applies to. */
export interface FaultMatcher {
  /** HTTP method, case-insensitive; any when omitted. */
  readonly method?: string;
  /**
   * A string must equal the request path without the query and without the `/api/v3` prefix
   * (`/repos/acme/app/pulls`, `/acme/app.git/git-receive-pack`); a RegExp is tested against it.
   */
  readonly path: RegExp | string;
  /** How many matching requests fail; 1 when omitted. */
  readonly times?: number;
}

/**
 * What a faulted request gets: an error status (with an optional body and headers), `'rate-limit'`
 * (403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, as GitHub's primary limit),
 * `'secondary-rate-limit'` (429 with `retry-after`), or `'hang'` (no answer until the client gives
 * up or the server closes).
 */
export type FaultResponse =
  | {
      readonly status: 403 | 404 | 422 | 500 | 502 | 503;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
    }
  | 'rate-limit'
  | 'secondary-rate-limit'
  | 'hang';

interface Fault {
  readonly matcher: FaultMatcher;
  readonly response: FaultResponse;
  remaining: number;
}

/** Pending faults, consumed first-registered first by the requests they match. */
export class Faults {
  private faults: Fault[] = [];

  add(matcher: FaultMatcher, response: FaultResponse): void {
    this.faults.push({ matcher, response, remaining: matcher.times ?? 1 });
  }

  /** The fault for this request, if any, counting it as used. */
  take(method: string, path: string): FaultResponse | undefined {
    const fault = this.faults.find((candidate) => matches(candidate.matcher, method, path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault.response;
  }

  clear(): void {
    this.faults = [];
  }
}

function matches(matcher: FaultMatcher, method: string, path: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof matcher.path === 'string') return matcher.path === path;
  matcher.path.lastIndex = 0;
  return matcher.path.test(path);
}
