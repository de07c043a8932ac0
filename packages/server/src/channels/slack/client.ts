import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../../ops/logger.ts';

/**
 * Slack's Web API client on `apiUrl` (ABCA_SLACK_API_URL: a fake on 127.0.0.1 in tests). It does
 * not retry by itself: the outbox dispatcher retries with its own backoff, and an ingress reply is
 * best effort. Its log lines go to ABCA's logger (they never hold the token).
 */
export function createSlackClient(opts: { token: string; apiUrl: string; log: Logger; timeoutMs?: number }) {
  return new WebClient(opts.token, {
    slackApiUrl: opts.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    allowAbsoluteUrls: false,
    logger: slackLogger(opts.log),
  });
}

function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.WARN;
  const at =
    (l: LogLevel) =>
    (...msg: unknown[]) => {
      const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
      if (order.indexOf(l) < order.indexOf(level)) return;
      const text = msg.map(String).join(' ');
      if (l === LogLevel.ERROR || l === LogLevel.WARN) log.warn({ slack: text }, 'slack web api');
      else log.debug({ slack: text }, 'slack web api');
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
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
