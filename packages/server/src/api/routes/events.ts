import { isTerminal, ListEventsQuery } from '@abca/contracts';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { listEvents } from '../../store/event-store.ts';
import { getTask } from '../../store/task-store.ts';
import { workflowRunning } from '../../store/workflow-status.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { decodeToken, encodeToken, readQuery, readSequence } from '../validate.ts';
import { loadOwnedTask } from './tasks.ts';

const POLL_MS = 2000;
const KEEPALIVE_MS = 15_000;
/** How long a terminal task's stream waits for a workflow that does not finish (a dead worker). */
const TERMINAL_GRACE_MS = 10_000;

/**
 * `GET /v1/tasks/{id}/events`: the task's log, oldest first, paginated by sequence number.
 * With `follow=true` it streams as server-sent events (`id:` is the sequence, so a client resumes
 * with `Last-Event-ID`) and ends after the task's terminal state has been sent.
 */
export function eventRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get('/:id/events', async (c) => {
    const task = await loadOwnedTask(deps, c.get('principal'), c.req.param('id'));
    const q = readQuery(c, ListEventsQuery);
    let after =
      readSequence(decodeToken(q.next_token, 'after'), 'query.next_token') ??
      readSequence(q.after, 'query.after') ??
      readSequence(c.req.header('last-event-id') || undefined, 'Last-Event-ID') ??
      0;
    if (!q.follow) {
      const rows = await listEvents(deps.db, task.task_id, { after, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const hasMore = rows.length > q.limit;
      const last = page[page.length - 1];
      return c.json({
        data: page,
        pagination: {
          next_token: hasMore && last ? encodeToken({ after: last.seq }) : null,
          has_more: hasMore,
        },
      });
    }
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      const unsubscribe = deps.events.subscribe(task.task_id, () => wake?.());
      stream.onAbort(() => wake?.());
      let idle = 0;
      let terminalSince: number | undefined;
      try {
        while (!stream.aborted) {
          const batch = await listEvents(deps.db, task.task_id, { after, limit: 100 });
          for (const e of batch) {
            await stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify(e) });
            after = e.seq;
          }
          if (batch.length === 100) continue;
          const now = await getTask(deps.db, task.task_id);
          if (!now || isTerminal(now.status)) {
            // The step that ended the task still writes its `step.completed` (after the channel
            // notice) once the state is terminal: end when the workflow is done and its last events
            // are sent. A workflow left hanging by a dead worker ends the stream after a grace time.
            terminalSince ??= Date.now();
            if (batch.length > 0) terminalSince = Date.now();
            const running = await workflowRunning(deps.db, task.task_id);
            if (!running || Date.now() - terminalSince >= TERMINAL_GRACE_MS) {
              const tail = await listEvents(deps.db, task.task_id, { after, limit: 100 });
              if (tail.length === 0) break;
              continue;
            }
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, POLL_MS);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
          idle += POLL_MS;
          if (idle >= KEEPALIVE_MS) {
            idle = 0;
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unsubscribe();
      }
    });
  });
  return app;
}
