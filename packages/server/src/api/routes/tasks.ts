import { CreateTaskRequest, ListTasksQuery, NudgeRequest, TaskId } from '@abca/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { submitTask } from '../../channels/gateway.ts';
import { AppError } from '../../ops/errors.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask, listTasks } from '../../store/task-store.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { cancelTask, nudgeTask } from '../task-actions.ts';
import { queueEstimate } from '../task-queue.ts';
import { toTaskDetail, toTaskSummary } from '../task-view.ts';
import { decodeToken, encodeToken, readBody, readParam, readQuery } from '../validate.ts';

const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 _ -');

/** Loads a task the caller may see: 404 when missing, 403 when it is another member's. */
export async function loadOwnedTask(
  deps: ApiDeps,
  principal: { userId: string; role: string },
  rawId: string | undefined,
): Promise<TaskRow> {
  const taskId = readParam(rawId, TaskId, 'task_id');
  const task = await getTask(deps.db, taskId);
  if (!task) throw new AppError('TASK_NOT_FOUND', `No task ${taskId}.`);
  if (principal.role !== 'admin' && task.user_id !== principal.userId) {
    throw new AppError('FORBIDDEN', `Task ${taskId} belongs to another user.`);
  }
  return task;
}

async function detail(deps: ApiDeps, task: TaskRow) {
  return toTaskDetail(task, (await queueEstimate(deps, task)) ?? {});
}

export function taskRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const principal = c.get('principal');
    const rawKey = c.req.header('idempotency-key');
    const idempotencyKey =
      rawKey === undefined ? undefined : readParam(rawKey, IdempotencyKey, 'Idempotency-Key');
    const body = await readBody(c, CreateTaskRequest);
    // The CLI says so (X-Abca-Channel: cli); anything else through the API is the API.
    const channel = c.req.header('x-abca-channel') === 'cli' ? 'cli' : 'api';
    const result = await submitTask(deps, {
      userId: principal.userId,
      body,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      channelRef: { channel },
    });
    // The creation answered the task after admission with its place in line: nothing more to read.
    const data = toTaskDetail(result.task, result.queue ?? {});
    if (result.kind === 'replay') {
      c.header('Idempotent-Replay', 'true');
      return c.json({ data }, 200);
    }
    c.header('Location', `/v1/tasks/${result.task.task_id}`);
    const { warnings } = result;
    return c.json({ data, ...(warnings.length ? { warnings } : {}) }, 201);
  });

  app.get('/', async (c) => {
    const principal = c.get('principal');
    const q = readQuery(c, ListTasksQuery);
    if (q.user && principal.role !== 'admin' && q.user !== principal.userId) {
      throw new AppError('FORBIDDEN', 'Only an admin can list the tasks of another user.');
    }
    const before = decodeToken(q.next_token, 'before');
    const rows = await listTasks(deps.db, {
      ...(principal.role === 'admin' ? (q.user ? { userId: q.user } : {}) : { userId: principal.userId }),
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.repo ? { repo: q.repo } : {}),
      ...(before ? { before } : {}),
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const hasMore = rows.length > q.limit;
    const last = page[page.length - 1];
    return c.json({
      data: page.map(toTaskSummary),
      pagination: {
        next_token: hasMore && last ? encodeToken({ before: last.task_id }) : null,
        has_more: hasMore,
      },
    });
  });

  app.get('/:id', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    return c.json({ data: await detail(deps, task) });
  });

  app.delete('/:id', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    const { cancelledAt } = await cancelTask({ ...deps, log: c.get('log') }, task, c.get('principal').userId);
    return c.json({
      data: { task_id: task.task_id, status: 'CANCELLED', cancelled_at: cancelledAt.toISOString() },
    });
  });

  app.post('/:id/nudge', async (c) => {
    const principal = c.get('principal');
    const task = await loadOwnedTask(deps, principal, c.req.param('id'));
    const body = await readBody(c, NudgeRequest);
    const { nudgeId } = await nudgeTask(deps, task, principal.userId, body.message);
    return c.json({ data: { nudge_id: nudgeId, task_id: task.task_id } }, 202);
  });

  return app;
}
