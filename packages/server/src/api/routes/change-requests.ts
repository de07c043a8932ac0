import { RepoName } from '@abca/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../ops/errors.ts';
import { changeRequestView, listChangeRequests } from '../../store/change-requests.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { taskChange } from '../task-diff.ts';
import { INT32_MAX, readParam, readQuery } from '../validate.ts';
import { loadOwnedChangeRequest } from './owned-change-request.ts';
import { loadOwnedTask } from './tasks.ts';

const ListQuery = z.strictObject({
  repo: RepoName.optional(),
  task_id: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const Number_ = z.coerce.number().int().positive().max(INT32_MAX);

/**
 * The pull requests ABCA keeps for plain-git repos (`/v1/prs`), and a task's diff
 * (`/v1/tasks/{id}/diff`). A member sees those of their own tasks.
 */
export function changeRequestRoutes(deps: ApiDeps) {
  const prs = new Hono<AppEnv>();
  prs.get('/', async (c) => {
    const p = c.get('principal');
    const q = readQuery(c, ListQuery);
    const rows = await listChangeRequests(deps.db, {
      ...(q.repo ? { repo: q.repo } : {}),
      ...(q.task_id ? { taskId: q.task_id.toUpperCase() } : {}),
      ...(p.role === 'admin' ? {} : { userId: p.userId }),
      limit: q.limit,
    });
    return c.json({
      data: rows.map((r) => changeRequestView(r, { withDiff: false })),
      pagination: { next_token: null, has_more: false },
    });
  });
  prs.get('/:number', async (c) => {
    const n = readParam(c.req.param('number'), Number_, 'number');
    const { cr } = await loadOwnedChangeRequest(deps.db, c.get('principal'), n);
    return c.json({ data: changeRequestView(cr, { withDiff: c.req.query('diff') !== 'false' }) });
  });

  const tasks = new Hono<AppEnv>();
  tasks.get('/:id/diff', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    const row = await taskChange(deps.db, task.task_id);
    if (!row) {
      throw new AppError(
        'NOT_FOUND',
        task.pr_url
          ? `Task ${task.task_id}'s changes are in ${task.pr_url}.`
          : `Task ${task.task_id} has no pull request yet.`,
      );
    }
    if ((c.req.header('accept') ?? '').includes('text/x-diff') || c.req.query('format') === 'raw') {
      return c.body(row.diff, 200, { 'Content-Type': 'text/x-diff; charset=utf-8' });
    }
    return c.json({
      data: {
        task_id: task.task_id,
        pr_number: row.number,
        branch: row.branch,
        base: row.base,
        commits: row.commits,
        diff: row.diff,
      },
    });
  });
  return { prs, tasks };
}
