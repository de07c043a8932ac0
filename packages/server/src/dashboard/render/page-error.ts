import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { STATUS_OF } from '../../api/errors.ts';
import { AppError } from '../../ops/errors.ts';
import type { DashboardEnv } from '../env.ts';
import { page } from '../layout.ts';

/** A refusal a page shows in its own words: the API's error code, its HTTP status and message. */
export interface PageError {
  code: string;
  status: ContentfulStatusCode;
  message: string;
}

/**
 * The page's view of an expected refusal (an {@link AppError}: a task already ended, a decision on
 * a request no longer pending, a spent budget); anything else is rethrown (a 500 with a request id).
 */
export function pageError(err: unknown): PageError {
  if (err instanceof AppError) return { code: err.code, status: STATUS_OF[err.code], message: err.message };
  throw err;
}

/** A form's zod issues as one message naming each field. */
export function formError(err: ZodError): PageError {
  const parts = err.issues.map((i) => `${i.path.map(String).join('.') || 'form'}: ${i.message}`);
  return { code: 'VALIDATION_ERROR', status: 400, message: `Check the form: ${parts.join('; ')}.` };
}

/** The dashboard's 404: the same for a missing task and one the person may not see. */
export function notFoundPage(c: Context<DashboardEnv>, what: string) {
  c.status(404);
  return c.html(
    page({
      title: 'Not found',
      session: c.get('session'),
      body: html`<h1>Not found</h1><p class="error" role="alert">${what}</p><p><a href="/tasks">Back to the tasks</a></p>`,
    }),
  );
}
