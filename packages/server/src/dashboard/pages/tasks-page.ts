import { html } from 'hono/html';
import type { ApiDeps } from '../../api/deps.ts';
import { waitsForSlot } from '../../api/task-queue.ts';
import { listUserIds } from '../../store/api-key-store.ts';
import { listRepos } from '../../store/repo-store.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { listTasks, queuePositions } from '../../store/task-store.ts';
import { page } from '../layout.ts';
import { listLive } from '../live/list-live.ts';
import { clip, when } from '../render/format.ts';
import { formError } from '../render/page-error.ts';
import { filterForm, filterQuery, TaskFilters } from '../render/task-filters.ts';
import type { DashboardRouter } from '../router.ts';

/** Rows a page of the list shows. */
export const TASKS_PAGE_SIZE = 50;

/**
 * The task list (`/tasks`): newest first, filtered by state, repo, user (admins) and channel, a
 * page at a time ("Older" goes on after the last row). Members see their own tasks, admins all.
 * States and queue positions stay live over `/tasks/live` (the rows' ids, patched by element id).
 */
export function tasksPage(router: DashboardRouter, deps: Pick<ApiDeps, 'db' | 'events'>): void {
  router.get('/tasks', async (c) => {
    const session = c.get('session');
    const { principal } = session;
    const admin = principal.role === 'admin';
    const parsed = TaskFilters.safeParse(c.req.query());
    const [repos, users] = await Promise.all([
      listRepos(deps.db).then((r) => r.map((x) => x.repo)),
      admin ? listUserIds(deps.db) : undefined,
    ]);
    const filters = parsed.success ? parsed.data : {};
    const problem = parsed.success ? undefined : formError(parsed.error).message;
    const memberAsksOther = !admin && filters.user && filters.user !== principal.userId;
    let rows: TaskRow[] = [];
    if (!problem && !memberAsksOther) {
      rows = await listTasks(deps.db, {
        ...(admin ? (filters.user ? { userId: filters.user } : {}) : { userId: principal.userId }),
        ...(filters.status ? { statuses: [filters.status] } : {}),
        ...(filters.repo ? { repo: filters.repo } : {}),
        ...(filters.channel ? { channel: filters.channel } : {}),
        ...(filters.before ? { before: filters.before } : {}),
        limit: TASKS_PAGE_SIZE + 1,
      });
    }
    const shown = rows.slice(0, TASKS_PAGE_SIZE);
    const last = shown[shown.length - 1];
    const older =
      rows.length > TASKS_PAGE_SIZE && last ? filterQuery({ ...filters, before: last.task_id }) : '';
    const positions = await queuePositions(
      deps.db,
      shown.filter(waitsForSlot).map((t) => t.task_id),
    );
    const error =
      problem ?? (memberAsksOther ? 'Only an admin can list the tasks of another user.' : undefined);
    if (error) c.status(400);
    const live = shown.length ? `/tasks/live?ids=${shown.map((t) => t.task_id).join(',')}` : undefined;
    return c.html(
      page({
        title: 'Tasks',
        session,
        section: 'tasks',
        body: html`<h1>Tasks</h1>
${filterForm(filters, { repos, ...(users ? { users } : {}) })}
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<table class="tasks">
<thead><tr><th>Task</th><th>Repo</th>${admin ? html`<th>User</th>` : ''}<th>Channel</th><th>Status</th><th>Queue</th><th>Created</th><th>Description</th></tr></thead>
<tbody${live ? html` data-live="${live}"` : ''}>
${shown.map((t) => {
  const pos = positions.get(t.task_id);
  return html`<tr data-task="${t.task_id}"><td><a href="/tasks/${t.task_id}">${t.task_id}</a></td><td>${t.repo}</td>${admin ? html`<td>${t.user_id}</td>` : ''}<td>${t.channel}</td><td class="status s-${t.status}" id="status-${t.task_id}">${t.status}</td><td class="queue" id="queue-${t.task_id}">${pos ? `#${pos}` : ''}</td><td>${when(t.created_at)}</td><td>${clip(t.task_description ?? (t.issue_number ? `issue #${t.issue_number}` : t.pr_number ? `PR #${t.pr_number}` : ''), 120)}</td></tr>`;
})}
</tbody>
</table>
${shown.length === 0 && !error ? html`<p class="muted">No tasks${filterQuery(filters) ? ' match these filters' : ' yet'}. <a href="/submit">Submit one</a>.</p>` : ''}
<nav class="paging">${filters.before ? html`<a href="/tasks${filterQuery({ ...filters, before: undefined })}">Newest</a>` : ''}${older ? html`<a class="older" rel="next" href="/tasks${older}">Older</a>` : ''}</nav>`,
      }),
    );
  });
  listLive(router, deps);
}
