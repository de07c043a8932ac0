import { isTerminal, TaskId } from '@abca/contracts';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { ApiDeps } from '../../api/deps.ts';
import { waitsForSlot } from '../../api/task-queue.ts';
import { queuePositions, taskStates } from '../../store/task-store.ts';
import type { DashboardRouter } from '../router.ts';
import { follow } from './follow.ts';

/** The rows of one list page: task ids, comma-separated (a page has at most 50; 100 allowed). */
const Ids = z
  .string()
  .max(100 * 27)
  .transform((s) => s.split(',').filter(Boolean))
  .pipe(z.array(TaskId).min(1).max(100));

/**
 * `GET /tasks/live?ids=A,B,...`: the live states of a list page. Sends `patch` events (element id
 * to text: `status-<id>`, `queue-<id>`) when a row's state or place in line changes, woken by the
 * task event bus; ends (`end`) when every row's task has ended. A member's stream watches only
 * their own tasks among the ids.
 */
export function listLive(router: DashboardRouter, deps: Pick<ApiDeps, 'db' | 'events'>): void {
  router.get('/tasks/live', async (c) => {
    const parsed = Ids.safeParse(c.req.query('ids') ?? '');
    if (!parsed.success) return c.text('Give the ids of the list page: ?ids=<task id>,<task id>', 400);
    const { principal } = c.get('session');
    const visible = (await taskStates(deps.db, parsed.data))
      .filter((t) => principal.role === 'admin' || t.user_id === principal.userId)
      .map((t) => t.task_id);
    return streamSSE(c, async (stream) => {
      const sent = new Map<string, string>();
      let anyWaiting = false;
      await follow(stream, {
        subscribe(onChange) {
          const offs = visible.map((id) => deps.events.subscribe(id, onChange));
          return () => {
            for (const off of offs) off();
          };
        },
        async step() {
          const states = await taskStates(deps.db, visible);
          // A place in line moves when any task ahead is admitted: with waiting rows, look each time.
          const positions = await queuePositions(
            deps.db,
            states.filter(waitsForSlot).map((t) => t.task_id),
          );
          anyWaiting = positions.size > 0;
          const patch: Record<string, string> = {};
          for (const t of states) {
            const pos = positions.get(t.task_id);
            for (const [id, text] of [
              [`status-${t.task_id}`, t.status],
              [`queue-${t.task_id}`, pos ? `#${pos}` : ''],
            ] as const) {
              if (sent.get(id) !== text) {
                patch[id] = text;
                sent.set(id, text);
              }
            }
          }
          if (Object.keys(patch).length)
            await stream.writeSSE({ event: 'patch', data: JSON.stringify(patch) });
          if (states.every((t) => isTerminal(t.status))) {
            await stream.writeSSE({ event: 'end', data: '' });
            return 'done';
          }
          return 'wait';
        },
        // Queue positions change without an event on the row's own task: poll faster while some wait.
        pollMs: () => (anyWaiting ? 1000 : 2000),
      });
    });
  });
}
