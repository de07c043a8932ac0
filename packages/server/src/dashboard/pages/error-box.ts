import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { STATUS_OF } from '../../api/errors.ts';
import { AppError } from '../../ops/errors.ts';
import type { DashboardEnv } from '../env.ts';
import { type Html, page, type Section } from '../layout.ts';

/** The error a form or action failed with; anything that is not an AppError is thrown on (a 500). */
export function expectedError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  throw err;
}

/** The HTTP status an API error code has: a page answers with the same status as the API. */
export function statusOf(err: AppError): ContentfulStatusCode {
  return STATUS_OF[err.code];
}

/** What went wrong, as the API says it: the code, the message, each field, and how to fix it. */
export function errorBox(err: AppError): Html {
  const details = err.options.details ?? [];
  return html`<div class="error" role="alert">
<p><strong class="code">${err.code}</strong>: ${err.message}</p>
${details.length ? html`<ul class="fields">${details.map((d) => html`<li><code>${d.field}</code>: ${d.message}</li>`)}</ul>` : ''}
${err.options.remedy ? html`<p class="remedy"><strong>How to fix it:</strong> ${err.options.remedy}</p>` : ''}
</div>`;
}

/** Whether a field (e.g. `settings.max_turns`) is named by the error, for `aria-invalid`. */
export function fieldInvalid(err: AppError | undefined, field: string): boolean {
  return (err?.options.details ?? []).some((d) => d.field === field || d.field.startsWith(`${field}.`));
}

/** A whole page that only says what failed (an unknown repo, a record that is gone). */
export function errorPage(
  c: Context<DashboardEnv>,
  err: AppError,
  section: Section,
  back?: { href: string; label: string },
) {
  return c.html(
    page({
      title: err.code === 'FORBIDDEN' ? 'Not allowed' : 'Not found',
      session: c.get('session'),
      section,
      body: html`<h1>${err.code === 'FORBIDDEN' ? 'Not allowed' : 'Something is wrong'}</h1>${errorBox(err)}${back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''}`,
    }),
    statusOf(err),
  );
}

/** Runs a handler, showing an expected error (an AppError) as a page with the API's status. */
export async function orErrorPage(
  c: Context<DashboardEnv>,
  section: Section,
  run: () => Promise<Response>,
): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    return errorPage(c, expectedError(err), section);
  }
}

/** Admin pages: a member gets a clear 403 page saying what it needs. */
export function requireAdminPage(c: Context<DashboardEnv>): void {
  if (c.get('session').principal.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'This needs an admin: sign in with an admin API key.');
  }
}
