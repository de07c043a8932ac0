import { randomBytes } from 'node:crypto';
import { CreateTaskRequest } from '@abca/contracts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ApiDeps } from '../../api/deps.ts';
import { submitTask } from '../../channels/gateway.ts';
import { listRepos } from '../../store/repo-store.ts';
import type { DashboardEnv } from '../env.ts';
import { csrfField, page } from '../layout.ts';
import { formError, type PageError, pageError } from '../render/page-error.ts';
import type { DashboardRouter } from '../router.ts';

/** What the person typed, kept when the form comes back with an error. */
interface SubmitForm {
  repo?: string;
  task_description?: string;
  issue_number?: string;
  max_budget_usd?: string;
  submit_key?: string;
}

const FIELDS = ['repo', 'task_description', 'issue_number', 'max_budget_usd', 'submit_key'] as const;
/** The form's own idempotency key: a double click, or a resent form, makes one task. */
const SUBMIT_KEY = /^dash-[A-Za-z0-9_-]{16,64}$/;

/**
 * `/submit`: a task from the browser, made by the same function as `POST /v1/tasks` (its
 * validation, budgets and refusals: channels/gateway.ts), then on to the task's page. Bad input
 * comes back with the message and everything typed.
 */
export function submitPage(router: DashboardRouter, deps: ApiDeps): void {
  router.get('/submit', async (c) => c.html(await renderForm(deps, c, { submit_key: newKey() })));

  router.post('/submit', async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const form: SubmitForm = {};
    for (const k of FIELDS) {
      const v = (body as Record<string, unknown>)[k];
      if (typeof v === 'string') form[k] = v.replace(/\r\n?/g, '\n');
    }
    let error: PageError;
    try {
      const request = toRequest(form);
      if (!request.ok) {
        error = request.error;
      } else {
        const key = form.submit_key && SUBMIT_KEY.test(form.submit_key) ? form.submit_key : undefined;
        const result = await submitTask(
          { ...deps, log: c.get('log') },
          {
            userId: c.get('principal').userId,
            body: request.body,
            ...(key ? { idempotencyKey: key } : {}),
            channelRef: { channel: 'dashboard' },
          },
        );
        return c.redirect(`/tasks/${result.task.task_id}`, 303);
      }
    } catch (err) {
      error = pageError(err);
    }
    c.status(error.status);
    return c.html(await renderForm(deps, c, form, error.message));
  });
}

function newKey(): string {
  return `dash-${randomBytes(18).toString('base64url')}`;
}

/** The form's fields as the API's request: numbers parsed, blanks left out, then the API's schema. */
function toRequest(f: SubmitForm): { ok: true; body: CreateTaskRequest } | { ok: false; error: PageError } {
  const bad = (message: string): { ok: false; error: PageError } => ({
    ok: false,
    error: { code: 'VALIDATION_ERROR', status: 400, message },
  });
  const raw: Record<string, unknown> = { repo: f.repo ?? '' };
  if (f.task_description?.trim()) raw.task_description = f.task_description;
  const issue = f.issue_number?.trim();
  if (issue) {
    if (!/^\d{1,10}$/.test(issue))
      return bad('Check the form: issue_number must be a whole number, such as 42.');
    raw.issue_number = Number(issue);
  }
  const budget = f.max_budget_usd?.trim();
  if (budget) {
    if (!/^\d{1,6}(\.\d{1,4})?$/.test(budget))
      return bad('Check the form: max_budget_usd must be a number of US dollars, such as 5 or 2.50.');
    raw.max_budget_usd = Number(budget);
  }
  const parsed = CreateTaskRequest.safeParse(raw);
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, error: formError(parsed.error) };
}

async function renderForm(deps: ApiDeps, c: Context<DashboardEnv>, f: SubmitForm, error?: string) {
  const session = c.get('session');
  const repos = (await listRepos(deps.db)).map((r) => r.repo);
  return page({
    title: 'Submit a task',
    session,
    section: 'submit',
    body: html`<h1>Submit a task</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
${
  repos.length === 0
    ? html`<p class="notice">No repository is onboarded yet: an admin adds one with <code>abca repos add owner/name</code>.</p>`
    : ''
}
<form id="submit-form" class="card" method="post" action="/submit">${csrfField(session)}
<input type="hidden" name="submit_key" value="${f.submit_key && SUBMIT_KEY.test(f.submit_key) ? f.submit_key : newKey()}">
<label for="repo">Repository</label>
<select id="repo" name="repo" required>
<option value="">choose a repository</option>
${repos.map((r) => html`<option value="${r}"${r === f.repo ? html` selected` : ''}>${r}</option>`)}
</select>
<label for="task_description">What should the agent do?</label>
<textarea id="task_description" name="task_description" maxlength="10000">${f.task_description ?? ''}</textarea>
<label for="issue_number">Issue number (optional: the agent reads the issue)</label>
<input type="number" id="issue_number" name="issue_number" min="1" step="1" value="${f.issue_number ?? ''}">
<label for="max_budget_usd">Budget in US dollars (optional: the repo's default otherwise)</label>
<input type="number" id="max_budget_usd" name="max_budget_usd" min="0.01" max="100" step="0.01" value="${f.max_budget_usd ?? ''}">
<p><button type="submit">Submit</button></p>
</form>`,
  });
}
