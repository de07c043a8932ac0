import { Octokit } from '@octokit/rest';
import { scrub } from '../../../git/git-cli.ts';
import { ForgeError } from '../../../ports/forge.ts';

/** Retry policy of GitHub API calls. */
export interface RetryPolicy {
  /** Retries after the first attempt; default 3. */
  retries: number;
  /** Longest single wait, in milliseconds; a longer `retry-after` fails at once; default 60 s. */
  maxWaitMs: number;
  /** First backoff in milliseconds when GitHub says nothing; doubles each time; default 1 s. */
  baseDelayMs: number;
  /** Time limit of one request in milliseconds; default 30 s. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  maxWaitMs: 60_000,
  baseDelayMs: 1_000,
  timeoutMs: 30_000,
};

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * An Octokit that retries what GitHub says may pass (5xx, 429, secondary rate limits, an
 * exhausted primary rate limit, network failures and timeouts), waiting what `retry-after` or
 * `x-ratelimit-reset` ask (capped), else backing off exponentially.
 */
export function createOctokit(opts: {
  baseUrl: string;
  auth?: string;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): Octokit {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const timedFetch: typeof fetch = (input, init) =>
    fetch(input, {
      ...init,
      signal: init?.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(policy.timeoutMs)])
        : AbortSignal.timeout(policy.timeoutMs),
    });
  const octokit = new Octokit({
    baseUrl: opts.baseUrl,
    ...(opts.auth ? { auth: opts.auth } : {}),
    userAgent: 'abca-forge',
    request: { fetch: timedFetch },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (err) {
        const wait = retryDelay(err as HttpFailure, attempt, policy, now());
        if (wait === undefined || attempt >= policy.retries) throw err;
        await sleep(wait);
      }
    }
  });
  return octokit;
}

function header(err: HttpFailure, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

function isRateLimited(err: HttpFailure): boolean {
  if (err.status === 429) return true;
  if (err.status !== 403) return false;
  return (
    header(err, 'x-ratelimit-remaining') === '0' ||
    /rate limit/i.test(err.message ?? '') ||
    !!header(err, 'retry-after')
  );
}

/** Milliseconds to wait before retrying, or undefined when the failure is final. */
function retryDelay(
  err: HttpFailure,
  attempt: number,
  policy: RetryPolicy,
  nowMs: number,
): number | undefined {
  const status = err.status;
  const network = status === undefined || (status === 500 && !err.response);
  if (!network && !(status !== undefined && status >= 500) && !isRateLimited(err)) return undefined;
  const retryAfter = Number(header(err, 'retry-after'));
  const reset = Number(header(err, 'x-ratelimit-reset'));
  let wait = policy.baseDelayMs * 2 ** attempt;
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && header(err, 'retry-after') !== undefined)
    wait = retryAfter * 1000;
  else if (isRateLimited(err) && Number.isFinite(reset) && reset > 0)
    wait = Math.max(0, reset * 1000 - nowMs) + 1000;
  return wait > policy.maxWaitMs ? undefined : wait;
}

/**
 * The `type` of the first error of a GraphQL answer that came back HTTP 200 with `errors`
 * (Octokit's `GraphqlResponseError`, which has no `status`); '' when it has none (a query GitHub
 * could not parse or validate); undefined for any other failure.
 */
function graphqlErrorType(err: unknown): string | undefined {
  const e = err as { name?: unknown; errors?: unknown; status?: unknown };
  if (e?.name !== 'GraphqlResponseError' || !Array.isArray(e.errors) || e.status !== undefined)
    return undefined;
  const type = (e.errors[0] as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type : '';
}

/**
 * GraphQL errors by `type`: NOT_FOUND → `REPO_NOT_FOUND_OR_NO_ACCESS`, FORBIDDEN →
 * `INSUFFICIENT_PERMISSIONS`, RATE_LIMITED → `GITHUB_UNREACHABLE` (retryable), anything else (a
 * query GitHub refused, an unprocessable mutation) → `INTERNAL_ERROR`.
 */
function graphqlForgeError(type: string, msg: string): ForgeError {
  if (type === 'NOT_FOUND') return new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', msg, false);
  if (type === 'FORBIDDEN') return new ForgeError('INSUFFICIENT_PERMISSIONS', msg, false);
  if (type === 'RATE_LIMITED') return new ForgeError('GITHUB_UNREACHABLE', `${msg} (rate limited)`, true);
  return new ForgeError('INTERNAL_ERROR', `${msg} (GraphQL${type ? ` ${type}` : ''})`, false);
}

/**
 * Maps a failed API call to a {@link ForgeError}: 401/404 → `REPO_NOT_FOUND_OR_NO_ACCESS`,
 * 403 → `INSUFFICIENT_PERMISSIONS` (or `GITHUB_UNREACHABLE` when rate limited), 5xx, 429 and
 * network failures → `GITHUB_UNREACHABLE` (retryable); GraphQL `errors` by their `type` (see
 * `graphqlForgeError`). Secrets are scrubbed from the message;
 * the raw error (whose request carries headers) is not kept as the cause.
 */
export function toForgeError(err: unknown, what: string, secrets: readonly string[]): ForgeError {
  if (err instanceof ForgeError) return err;
  const e = err as HttpFailure;
  const detail = scrub(String(e.message ?? err), secrets).slice(0, 500);
  const msg = `${what}: ${detail}`;
  const graphql = graphqlErrorType(err);
  if (graphql !== undefined) return graphqlForgeError(graphql, msg);
  const status = e.status;
  if (status === undefined || (status === 500 && !e.response))
    return new ForgeError('GITHUB_UNREACHABLE', msg, true);
  if (status === 401 || status === 404) return new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', msg, false);
  if (isRateLimited(e)) return new ForgeError('GITHUB_UNREACHABLE', `${msg} (rate limited)`, true);
  if (status === 403) return new ForgeError('INSUFFICIENT_PERMISSIONS', msg, false);
  if (status >= 500) return new ForgeError('GITHUB_UNREACHABLE', msg, true);
  return new ForgeError('INTERNAL_ERROR', `${msg} (HTTP ${status})`, false);
}
