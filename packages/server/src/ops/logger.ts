import { pino } from 'pino';

/** The logger port: pino's interface, so adapters and tests can pass any pino instance. */
export type Logger = pino.Logger;

/** Structured JSON logs on stdout (or a given stream), with secrets redacted by key name. */
export function createLogger(opts: {
  level: string;
  stream?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.authorization',
          '*.Authorization',
          '*.apiKey',
          '*.api_key',
          '*.token',
          '*.password',
          '*.key',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    opts.stream ?? process.stdout,
  );
}
