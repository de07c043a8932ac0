import type { ApiErrorCode } from '@abca/contracts';

/**
 * The one error base of the server: a string code (the API's upper-case codes), a message meant for
 * the user, optional field-level details, and the cause. One place (api/errors.ts) maps codes to
 * HTTP statuses.
 */
export class AppError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly options: {
      details?: { field: string; message: string }[];
      /** How to fix it, sent as `error.remedy` (onboarding failures name the CLI flag). */
      remedy?: string;
      cause?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
  }
}
