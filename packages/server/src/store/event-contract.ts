import type { TaskEventProblem } from '@abca/contracts';

/** An event the server wrote that does not match its contract schema (a bug in the emitting code). */
export interface EventContractViolation {
  taskId: string;
  type: string;
  problem: TaskEventProblem;
  data: unknown;
}

export class EventContractError extends Error {
  override readonly name = 'EventContractError';
  constructor(readonly violation: EventContractViolation) {
    const p = violation.problem;
    super(
      `event ${violation.type} does not match its contract: ${p.kind === 'unknown_type' ? 'unknown type' : p.issues.join('; ')}`,
    );
  }
}

export type EventContractReporter = (violation: EventContractViolation) => void;

/**
 * Where a violation goes. The event is written all the same (the log never loses an entry over a
 * schema bug, and clients tolerate what they cannot parse); the reporter makes the bug loud. Until
 * the composition root sets one (`startPlatform`: a warning in the log, and with
 * `ABCA_EVENT_CHECK_FILE` a line in that file, which the test suites fail on), a violation throws.
 *
 * Process-wide, as DBOS is: `appendEvent` is called by store functions that get only a database
 * handle (a status change inside a transaction), and a process runs one platform.
 */
let reporter: EventContractReporter = (v) => {
  throw new EventContractError(v);
};

export function setEventContractReporter(next: EventContractReporter): void {
  reporter = next;
}

export function reportEventContractViolation(violation: EventContractViolation): void {
  reporter(violation);
}
