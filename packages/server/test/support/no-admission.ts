import type { Orchestrator } from '../../src/orchestrator/engine.ts';
import type { Queryable } from '../../src/storage/db.ts';
import { type CreationOutcome, createTasks } from '../../src/store/task-creations.ts';

/**
 * The gateway's orchestrator for a channel's tests: it stores each task as the platform does
 * (the same statement) without admitting it; the tasks wait for the next admission of a platform.
 */
export function withoutAdmission(db: Queryable): Pick<Orchestrator, 'admit' | 'create'> {
  return {
    admit: async () => {},
    create: async (task) => (await createTasks(db, [task], undefined)).outcomes[0] as CreationOutcome,
  };
}
