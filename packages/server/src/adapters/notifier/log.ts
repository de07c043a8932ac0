import type { Logger } from '../../ops/logger.ts';
import type { Notifier } from '../../ports/notifier.ts';

/** Tasks from the API and CLI need no message: their owners watch the task. The log keeps a line. */
export function createLogNotifier(log: Logger): Notifier {
  return {
    kind: 'log',
    async notify(task, kind) {
      log.info({ taskId: task.task_id, kind, status: task.status, prUrl: task.pr_url }, 'task notification');
    },
  };
}
