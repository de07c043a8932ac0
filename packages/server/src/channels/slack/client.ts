import { createRequire } from 'node:module';
import type { LogLevel, Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../../ops/logger.ts';

/**
 * Slack's SDK (CommonJS), loaded by the first client made: a platform without Slack configured
 * does not load it at start (about 60 ms of CPU).
 */
function slackSdk(): typeof import('@slack/web-api') {
  return createRequire(import.meta.url)('@slack/web-api');
}

/**
 * Slack's Web API client on `apiUrl` (ABCA_SLACK_API_URL: a fake on 127.0.0.1 in tests). It does
 * not retry by itself: the outbox dispatcher retries with its own backoff, and an ingress reply is
 * best effort. Its log lines go to ABCA's logger (they never hold the token).
 */
export function createSlackClient(opts: {
  token: string;
  apiUrl: string;
  log: Logger;
  timeoutMs?: number;
}): WebClient {
  const { LogLevel, WebClient } = slackSdk();
  return new WebClient(opts.token, {
    slackApiUrl: opts.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    allowAbsoluteUrls: false,
    logger: slackLogger(opts.log, LogLevel),
  });
}

/** ABCA's logger as the SDK's; `levels` is the SDK's LogLevel (loaded with it). */
function slackLogger(log: Logger, levels: typeof LogLevel): SlackLogger {
  let level = levels.WARN;
  const order = [levels.DEBUG, levels.INFO, levels.WARN, levels.ERROR];
  const at =
    (l: LogLevel) =>
    (...msg: unknown[]) => {
      if (order.indexOf(l) < order.indexOf(level)) return;
      const text = msg.map(String).join(' ');
      if (l === levels.ERROR || l === levels.WARN) log.warn({ slack: text }, 'slack web api');
      else log.debug({ slack: text }, 'slack web api');
    };
  return {
    debug: at(levels.DEBUG),
    info: at(levels.INFO),
    warn: at(levels.WARN),
    error: at(levels.ERROR),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Slack's error code of a failed call (`already_reacted`, `message_not_found`), if it was one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
