import { isTerminal } from '@abca/contracts';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { ApiDeps } from '../../api/deps.ts';
import { listEvents } from '../../store/event-store.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask } from '../../store/task-store.ts';
import { workflowRunning } from '../../store/workflow-status.ts';
import { eventRow } from '../render/event-row.ts';
import { tokens, usd } from '../render/format.ts';
import type { DashboardRouter } from '../router.ts';
import { visibleTask } from '../visible-task.ts';
import { follow } from './follow.ts';

/** Events read (and sent) at a time. */
const BATCH = 200;
/** How long a terminal task's stream waits for a workflow that does not finish (a dead worker). */
const TERMINAL_GRACE_MS = 10_000;

const Seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The live figures of the task page, by element id. */
export function taskFigures(t: TaskRow): Record<string, string> {
  return {
    'task-status': t.status,
    'task-cost': usd(t.cost_usd, t.priced),
    'task-tokens': tokens(t.input_tokens, t.output_tokens),
    'task-turns': String(t.turns),
  };
}

/**
 * `GET /tasks/{id}/live`: the task page's live stream, over the same log and event bus as the
 * API's `/v1/tasks/{id}/events?follow`. Each new event is a `row` (the trajectory's server-rendered,
 * escaped `<li>`; `id:` is its sequence, so a reconnect resumes with `Last-Event-ID`), and `patch`
 * events keep `#task-status`, `#task-cost`, `#task-tokens` current. It ends with `end` once the
 * task has ended and its workflow's last events are sent. `?after=<seq>` starts after the events
 * the page already shows. Another member's task is a 404.
 */
export function taskLive(router: DashboardRouter, deps: Pick<ApiDeps, 'db' | 'events'>): void {
  router.get('/tasks/:id/live', async (c) => {
    const task = await visibleTask(deps.db, c.get('principal'), c.req.param('id'));
    if (!task) return c.text('No such task.', 404);
    const resume = Seq.safeParse(c.req.header('last-event-id') || c.req.query('after') || '0');
    if (!resume.success) return c.text('Last-Event-ID and ?after= take an event sequence number.', 400);
    let after = resume.data;
    return streamSSE(c, async (stream) => {
      let sent: Record<string, string> = {};
      let terminalSince: number | undefined;
      await follow(stream, {
        subscribe: (onChange) => deps.events.subscribe(task.task_id, onChange),
        async step() {
          const batch = await listEvents(deps.db, task.task_id, { after, limit: BATCH });
          for (const e of batch) {
            await stream.writeSSE({ id: String(e.seq), event: 'row', data: eventRow(e).toString() });
            after = e.seq;
          }
          const now = await getTask(deps.db, task.task_id);
          if (!now) return 'done';
          const figures = taskFigures(now);
          const patch = Object.fromEntries(Object.entries(figures).filter(([k, v]) => sent[k] !== v));
          if (Object.keys(patch).length) {
            await stream.writeSSE({ event: 'patch', data: JSON.stringify(patch) });
            sent = figures;
          }
          if (batch.length === BATCH) return 'again';
          if (!isTerminal(now.status)) return 'wait';
          // The step that ended the task still writes its `step.completed` after the state changed:
          // end once the workflow is done and its last events are sent (or after a grace time).
          terminalSince ??= Date.now();
          if (batch.length > 0) terminalSince = Date.now();
          const running = await workflowRunning(deps.db, task.task_id);
          if (running && Date.now() - terminalSince < TERMINAL_GRACE_MS) {
            await new Promise((r) => setTimeout(r, 100));
            return 'again';
          }
          const tail = await listEvents(deps.db, task.task_id, { after, limit: 1 });
          if (tail.length > 0) return 'again';
          await stream.writeSSE({ event: 'end', data: now.status });
          return 'done';
        },
      });
    });
  });
}
