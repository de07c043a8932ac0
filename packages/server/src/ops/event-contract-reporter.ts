import { appendFileSync } from 'node:fs';
import type { EventContractReporter } from '../store/event-contract.ts';
import type { Logger } from './logger.ts';

/**
 * What the platform does with an event that breaks its contract: log a warning (the event is
 * written all the same), and with a check file (`ABCA_EVENT_CHECK_FILE`, set by the test suites)
 * append it there as one JSON line, which fails the test run.
 */
export function createEventContractReporter(deps: { log: Logger; file?: string }): EventContractReporter {
  return (v) => {
    deps.log.warn(
      { taskId: v.taskId, type: v.type, problem: v.problem },
      'event does not match its contract',
    );
    if (!deps.file) return;
    try {
      appendFileSync(deps.file, `${JSON.stringify({ ...v, pid: process.pid })}\n`);
    } catch (err) {
      deps.log.warn({ err, file: deps.file }, 'could not record an event contract violation');
    }
  };
}
