import { ApproveRequest, DenyRequest } from '@abca/contracts';
import { Hono } from 'hono';
import { listApprovals } from '../../approvals/approval-store.ts';
import { decide } from '../../approvals/decide.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody } from '../validate.ts';
import { loadOwnedTask } from './tasks.ts';

/**
 * Approval gates at the API (docs/approvals.md): the requests of a task, and the decision on the
 * one it waits on, by its owner or an admin. A decision on a task that no longer waits, or on a
 * request already decided, is a 409 APPROVAL_NOT_PENDING saying what happened to it.
 */
export function approvalRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/:id/approvals', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    return c.json({ data: await listApprovals(deps.db, task.task_id) });
  });
  app.post('/:id/approve', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    const body = await readBody(c, ApproveRequest);
    const approval = await decide(
      { db: deps.db, admit: () => deps.orchestrator.admit() },
      {
        taskId: task.task_id,
        ...(body.approval_id ? { approvalId: body.approval_id } : {}),
        state: 'approved',
        by: c.get('principal').userId,
        channel: channelOf(c.req.header('user-agent')),
        reason: body.reason ?? null,
        editedPlan: body.plan ?? null,
      },
    );
    return c.json({ data: approval });
  });
  app.post('/:id/deny', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    const body = await readBody(c, DenyRequest);
    const approval = await decide(
      { db: deps.db, admit: () => deps.orchestrator.admit() },
      {
        taskId: task.task_id,
        ...(body.approval_id ? { approvalId: body.approval_id } : {}),
        state: 'denied',
        by: c.get('principal').userId,
        channel: channelOf(c.req.header('user-agent')),
        reason: body.reason,
      },
    );
    return c.json({ data: approval });
  });
  return app;
}

/** The CLI says who it is (`abca-cli/<version>`); any other client is the API. */
function channelOf(userAgent: string | undefined): 'cli' | 'api' {
  return userAgent?.startsWith('abca-cli/') ? 'cli' : 'api';
}
