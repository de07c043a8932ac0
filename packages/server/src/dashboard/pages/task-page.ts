import { ApproveRequest, DenyRequest, isTerminal, NudgeRequest, type TaskEventRecord } from '@abca/contracts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { z } from 'zod';
import type { ApiDeps } from '../../api/deps.ts';
import { cancelTask, nudgeTask } from '../../api/task-actions.ts';
import { taskChange } from '../../api/task-diff.ts';
import { queueEstimate } from '../../api/task-queue.ts';
import { pendingApproval } from '../../approvals/approval-store.ts';
import { decide } from '../../approvals/decide.ts';
import { AppError } from '../../ops/errors.ts';
import { listEvents } from '../../store/event-store.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask } from '../../store/task-store.ts';
import type { DashboardEnv } from '../env.ts';
import { csrfField, page } from '../layout.ts';
import { taskFigures, taskLive } from '../live/task-live.ts';
import { approvalSection } from '../render/approval.ts';
import { renderDiff } from '../render/diff.ts';
import { eventRow } from '../render/event-row.ts';
import { duration, safeHref, when } from '../render/format.ts';
import { formError, notFoundPage, type PageError, pageError } from '../render/page-error.ts';
import { stepRuns, stepsTable } from '../render/steps.ts';
import { lastValidation, validationSection } from '../render/validation.ts';
import type { DashboardRouter } from '../router.ts';
import { visibleTask } from '../visible-task.ts';

/** Events a page renders at most (the live stream goes on after them). */
const MAX_PAGE_EVENTS = 10_000;

/** What a finished action says on the page it redirects to (fixed texts: the query is not echoed). */
const NOTICES: Record<string, string> = {
  cancelled: 'The task was cancelled.',
  nudged: 'Your nudge is queued: the agent reads it at its next turn.',
  approved: 'Approved: the task goes on from its gate.',
  denied: 'Denied: the agent (or the task) gets your reason.',
};

type Typed = { message?: string; plan?: string; reason?: string; denyReason?: string };

/**
 * A task's page (`/tasks/{id}`): its state, cost and tokens, the blueprint's steps, the live
 * trajectory, the validation results, the diff and the PR link, and the actions (cancel, nudge,
 * approve or deny a pending request). Each action is a POST form calling what the API calls
 * (api/task-actions.ts, approvals/decide.ts); a refusal shows on the page with its status.
 */
export function taskPage(router: DashboardRouter, deps: ApiDeps): void {
  taskLive(router, deps);

  router.get('/tasks/:id', async (c) => {
    const task = await visibleTask(deps.db, c.get('principal'), c.req.param('id'));
    if (!task) return notFoundPage(c, 'No such task, or it is not yours.');
    const notice = NOTICES[c.req.query('done') ?? ''];
    return c.html(await renderTaskPage(deps, c, task, notice ? { notice } : {}));
  });

  router.get('/tasks/:id/diff', async (c) => {
    const task = await visibleTask(deps.db, c.get('principal'), c.req.param('id'));
    const change = task ? await taskChange(deps.db, task.task_id) : undefined;
    if (!change) return c.text('No diff for this task.', 404);
    return c.body(change.diff, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  router.post('/tasks/:id/cancel', (c) =>
    act(deps, c, {}, async (task) => {
      await cancelTask({ ...deps, log: c.get('log') }, task, c.get('principal').userId);
      return 'cancelled';
    }),
  );

  router.post('/tasks/:id/nudge', async (c) => {
    const message = await field(c, 'message');
    return act(deps, c, { message }, async (task) => {
      const body = parse(NudgeRequest, { message });
      await nudgeTask(deps, task, c.get('principal').userId, body.message);
      return 'nudged';
    });
  });

  router.post('/tasks/:id/approve', async (c) => {
    const [approvalId, plan, reason] = await Promise.all([
      field(c, 'approval_id'),
      field(c, 'plan'),
      field(c, 'reason'),
    ]);
    return act(deps, c, { plan, reason }, async (task) => {
      const body = parse(ApproveRequest, {
        ...(approvalId ? { approval_id: approvalId } : {}),
        ...(plan?.trim() ? { plan } : {}),
        ...(reason?.trim() ? { reason } : {}),
      });
      // The plan as proposed is approved as is; an edited one is what the agent follows.
      const pending = await pendingApproval(deps.db, task.task_id);
      const proposed = pending?.request.gate === 'plan' ? pending.request.plan.trim() : undefined;
      const edited = body.plan !== undefined && body.plan !== proposed ? body.plan : null;
      await decide(
        { db: deps.db, admit: () => deps.orchestrator.admit() },
        {
          taskId: task.task_id,
          ...(body.approval_id ? { approvalId: body.approval_id } : {}),
          state: 'approved',
          by: c.get('principal').userId,
          channel: 'dashboard',
          reason: body.reason ?? null,
          editedPlan: edited,
        },
      );
      return 'approved';
    });
  });

  router.post('/tasks/:id/deny', async (c) => {
    const [approvalId, reason] = await Promise.all([field(c, 'approval_id'), field(c, 'reason')]);
    return act(deps, c, { denyReason: reason }, async (task) => {
      const body = parse(DenyRequest, { ...(approvalId ? { approval_id: approvalId } : {}), reason });
      await decide(
        { db: deps.db, admit: () => deps.orchestrator.admit() },
        {
          taskId: task.task_id,
          ...(body.approval_id ? { approvalId: body.approval_id } : {}),
          state: 'denied',
          by: c.get('principal').userId,
          channel: 'dashboard',
          reason: body.reason,
        },
      );
      return 'denied';
    });
  });
}

async function field(c: Context<DashboardEnv>, name: string): Promise<string | undefined> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const v = (body as Record<string, unknown>)[name];
  // Browsers send a textarea's line ends as CRLF: the agent and the API see plain newlines.
  return typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : undefined;
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('VALIDATION_ERROR', formError(parsed.error).message);
  return parsed.data;
}

/**
 * Runs an action on a task the person may see, then goes back to its page (303) saying what
 * happened; a refusal re-renders the page with the message, its status, and what was typed.
 */
async function act(
  deps: ApiDeps,
  c: Context<DashboardEnv>,
  typed: Typed,
  fn: (task: TaskRow) => Promise<keyof typeof NOTICES>,
) {
  const task = await visibleTask(deps.db, c.get('principal'), c.req.param('id'));
  if (!task) return notFoundPage(c, 'No such task, or it is not yours.');
  let error: PageError;
  try {
    const done = await fn(task);
    return c.redirect(`/tasks/${task.task_id}?done=${done}`, 303);
  } catch (err) {
    error = pageError(err);
  }
  const now = (await getTask(deps.db, task.task_id)) ?? task;
  c.status(error.status);
  return c.html(await renderTaskPage(deps, c, now, { error: error.message, typed }));
}

async function allEvents(deps: Pick<ApiDeps, 'db'>, taskId: string): Promise<TaskEventRecord[]> {
  const out: TaskEventRecord[] = [];
  while (out.length < MAX_PAGE_EVENTS) {
    const after = out[out.length - 1]?.seq ?? 0;
    const batch = await listEvents(deps.db, taskId, { after, limit: 1000 });
    out.push(...batch);
    if (batch.length < 1000) break;
  }
  return out;
}

async function renderTaskPage(
  deps: ApiDeps,
  c: Context<DashboardEnv>,
  task: TaskRow,
  o: { notice?: string; error?: string; typed?: Typed },
) {
  const session = c.get('session');
  const [events, change, approval, queue] = await Promise.all([
    allEvents(deps, task.task_id),
    taskChange(deps.db, task.task_id),
    task.status === 'AWAITING_APPROVAL' ? pendingApproval(deps.db, task.task_id) : undefined,
    queueEstimate(deps, task),
  ]);
  const last = events[events.length - 1]?.seq ?? 0;
  const figures = taskFigures(task);
  const prHref = safeHref(task.pr_url);
  const ended = isTerminal(task.status);
  const id = task.task_id;
  const typed = o.typed ?? {};
  return page({
    title: `Task ${id}`,
    session,
    section: 'tasks',
    body: html`<h1>Task <code>${id}</code></h1>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<section class="card summary">
<dl class="facts">
<dt>Status</dt><dd class="status s-${task.status}" id="task-status">${figures['task-status']}</dd>
<dt>Repo</dt><dd><code>${task.repo}</code></dd>
<dt>User</dt><dd>${task.user_id}</dd>
<dt>Channel</dt><dd>${task.channel}</dd>
<dt>Cost</dt><dd id="task-cost">${figures['task-cost']}</dd>
<dt>Tokens</dt><dd id="task-tokens">${figures['task-tokens']}</dd>
<dt>Turns</dt><dd id="task-turns">${figures['task-turns']}</dd>
<dt>Created</dt><dd>${when(task.created_at)}</dd>
${task.completed_at && task.started_at ? html`<dt>Took</dt><dd>${duration(task.completed_at.getTime() - task.started_at.getTime())}</dd>` : ''}
${queue ? html`<dt>Queue</dt><dd id="task-queue">#${queue.position} in line, about ${duration(queue.etaS * 1000)}</dd>` : ''}
<dt>Pull request</dt><dd>${
      prHref
        ? html`<a id="pr-link" href="${prHref}" rel="noreferrer">${task.pr_url}</a>`
        : change
          ? html`<a id="pr-link" href="#diff">change request #${change.number}</a> (kept by ABCA: its diff is below)`
          : task.pr_number
            ? `#${task.pr_number}`
            : html`<span class="muted">none yet</span>`
    }</dd>
</dl>
${task.error ? html`<p class="error">${task.error.code}: ${task.error.message}</p>` : ''}
<h2>Description</h2>
<pre class="description">${task.task_description ?? (task.issue_number ? `Issue #${task.issue_number}` : `PR #${task.pr_number}`)}</pre>
</section>
${approval ? approvalSection(id, approval, session, typed) : ''}
${
  ended
    ? ''
    : html`<section class="card actions">
<form class="action-nudge" method="post" action="/tasks/${id}/nudge">${csrfField(session)}
<label for="nudge-message">Nudge the agent (it reads this at its next turn)</label>
<textarea id="nudge-message" name="message" required maxlength="2000">${typed.message ?? ''}</textarea>
<button type="submit">Send nudge</button>
</form>
<form class="action-cancel" method="post" action="/tasks/${id}/cancel" data-confirm="Cancel task ${id}?">${csrfField(session)}
<button type="submit" class="danger">Cancel task</button>
</form>
</section>`
}
<section class="card"><h2>Steps</h2>${stepsTable(stepRuns(events))}</section>
<section class="card"><h2>Trajectory</h2>
<ol id="trajectory" class="trajectory" data-live="/tasks/${id}/live" data-after="${last}">
${events.map(eventRow)}
</ol></section>
<section class="card"><h2>Validation</h2>${validationSection(lastValidation(events))}</section>
<section class="card" id="diff"><h2>Diff</h2>${
      change?.diff
        ? html`<p class="muted">Branch <code>${change.branch}</code> onto <code>${change.base}</code>, ${change.commits.length} commit(s).</p>${renderDiff(change.diff, { fullUrl: `/tasks/${id}/diff` })}`
        : html`<p class="muted" id="no-diff">No diff yet${prHref ? html`: the changes are in <a href="${prHref}" rel="noreferrer">the pull request</a>` : ''}.</p>`
    }</section>`,
  });
}
