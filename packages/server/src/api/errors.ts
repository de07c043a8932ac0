import type { ApiErrorCode } from '@abca/contracts';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError } from '../ops/errors.ts';

/** The one place API error codes become HTTP statuses. */
export const STATUS_OF: Record<ApiErrorCode, ContentfulStatusCode> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  REPO_NOT_ONBOARDED: 422,
  DUPLICATE_TASK: 409,
  TASK_ALREADY_TERMINAL: 409,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  /** Payment Required: a monthly budget is spent (the body says whose and how to raise it). */
  BUDGET_EXCEEDED: 402,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  SIGNATURE_INVALID: 401,
  DELIVERY_REPLAYED: 409,
  WEBHOOK_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  IDENTITY_TAKEN: 409,
  PR_NOT_FOUND: 404,
  PR_NOT_OPEN: 409,
  MERGE_CONFLICT: 409,
  LINE_NOT_IN_DIFF: 422,
  MEMORY_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  APPROVAL_NOT_PENDING: 409,
  IDENTITY_NOT_FOUND: 404,
  CHANNEL_NOT_CONFIGURED: 404,
  FORGE_NOT_CONFIGURED: 422,
  REMOTE_INVALID: 422,
  REMOTE_NOT_FOUND: 422,
  REMOTE_AUTH_FAILED: 422,
  REMOTE_UNREACHABLE: 422,
  REMOTE_TIMEOUT: 422,
  DEFAULT_BRANCH_NOT_FOUND: 422,
  PUSH_NOT_ALLOWED: 422,
};

/** Turns zod issues into one VALIDATION_ERROR naming each field. */
export function validationError(err: ZodError, prefix = ''): AppError {
  const details = err.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    const unknownKeys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : undefined;
    if (unknownKeys) {
      return {
        field: unknownKeys
          .map((k) => [prefix, ...i.path.map(String), k].filter(Boolean).join('.'))
          .join(', '),
        message: 'unknown field',
      };
    }
    return { field: path || '(body)', message: i.message };
  });
  const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  return new AppError('VALIDATION_ERROR', `Invalid request: ${summary}`, { details });
}

export function errorResponse(c: Context, err: AppError): Response {
  const requestId = c.get('requestId') as string;
  for (const [k, v] of Object.entries(err.options.headers ?? {})) c.header(k, v);
  return c.json(
    {
      error: {
        code: err.code,
        message: err.message,
        request_id: requestId,
        ...(err.options.details ? { details: err.options.details } : {}),
        ...(err.options.remedy ? { remedy: err.options.remedy } : {}),
      },
    },
    STATUS_OF[err.code],
  );
}
