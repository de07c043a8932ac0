import { html } from 'hono/html';
import type { ApiDeps } from '../../api/deps.ts';
import { listTasks } from '../../store/task-store.ts';
import { page } from '../layout.ts';
import type { DashboardRouter } from '../router.ts';

/**
 * The task list: the newest tasks the person may see (members their own, admins all).
 * (The first cut: filters, live states and queue positions come with the task pages.)
 */
export function tasksPage(router: DashboardRouter, deps: Pick<ApiDeps, 'db'>): void {
  router.get('/tasks', async (c) => {
    const session = c.get('session');
    const { principal } = session;
    const rows = await listTasks(deps.db, {
      ...(principal.role === 'admin' ? {} : { userId: principal.userId }),
      limit: 50,
    });
    return c.html(
      page({
        title: 'Tasks',
        session,
        section: 'tasks',
        body: html`<h1>Tasks</h1>
<table class="tasks">
<thead><tr><th>Task</th><th>Repo</th><th>Status</th><th>Description</th></tr></thead>
<tbody>
${rows.map(
  (t) =>
    html`<tr data-task="${t.task_id}"><td><a href="/tasks/${t.task_id}">${t.task_id}</a></td><td>${t.repo}</td><td class="status s-${t.status}">${t.status}</td><td>${(t.task_description ?? '').slice(0, 120)}</td></tr>`,
)}
</tbody>
</table>`,
      }),
    );
  });
}
