import type { Logger } from '../../ops/logger.ts';
import { type Forge, ForgeError, type RepoRef } from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { EmitEvent } from '../../store/event-store.ts';
import { scrub } from '../workspace/checks.ts';
import type { ThreadRef } from './iteration-context.ts';
import type { ThreadReply } from './replies.ts';

/**
 * Replies in each review thread the agent answered, saying what changed (its words, secrets
 * scrubbed, and the commit pushed), and resolves it when a change was pushed (a question answered
 * without a change stays open for the reviewer). A thread the forge no longer has is skipped
 * (logged); the others are still answered. Idempotent: the forge posts one reply per task
 * and thread, resolving twice is a no-op, and the event is written once per thread.
 */
export async function answerThreads(
  deps: {
    db: Queryable;
    forge: Pick<Forge, 'replyToThread' | 'resolveThread'>;
    secrets: string[];
    log: Pick<Logger, 'warn'>;
  },
  emit: EmitEvent,
  opts: {
    repo: RepoRef;
    number: number;
    taskId: string;
    threads: readonly ThreadRef[];
    replies: readonly ThreadReply[];
    /** The commit the iteration pushed, or null when it changed nothing. */
    commit: string | null;
  },
): Promise<number> {
  let answered = 0;
  for (const reply of opts.replies) {
    const thread = opts.threads.find((t) => t.ref === reply.ref);
    if (!thread) continue;
    const body = [
      scrub(reply.text, deps.secrets),
      '',
      opts.commit
        ? `Changed in ${opts.commit.slice(0, 12)} (ABCA task ${opts.taskId}).`
        : `No code change (ABCA task ${opts.taskId}).`,
    ].join('\n');
    const resolved = opts.commit !== null;
    try {
      await deps.forge.replyToThread(opts.repo, opts.number, thread.id, body, { taskId: opts.taskId });
      if (resolved) await deps.forge.resolveThread(opts.repo, opts.number, thread.id);
    } catch (err) {
      // A thread deleted meanwhile does not undo the work pushed: the others are still answered.
      if (!(err instanceof ForgeError) || err.retryable) throw err;
      deps.log.warn({ err, taskId: opts.taskId, thread: thread.id }, 'could not answer a review thread');
      continue;
    }
    answered += 1;
    if (!(await hasEvent(deps.db, opts.taskId, 'pr.thread_replied', { thread_id: thread.id })))
      await emit('pr.thread_replied', {
        pull_request: opts.number,
        thread: thread.ref,
        thread_id: thread.id,
        resolved,
      });
  }
  return answered;
}

/** Whether the task already has an event of `type` whose data holds `match` (a retried step). */
export async function hasEvent(
  db: Queryable,
  taskId: string,
  type: string,
  match: Record<string, unknown> = {},
): Promise<boolean> {
  return (await firstEvent(db, taskId, type, match)) !== undefined;
}

/** The data of the task's first event of `type` whose data holds `match`, or undefined. */
export async function firstEvent(
  db: Queryable,
  taskId: string,
  type: string,
  match: Record<string, unknown> = {},
): Promise<Record<string, unknown> | undefined> {
  const res = await db.query<{ data: Record<string, unknown> }>(
    'SELECT data FROM task_events WHERE task_id = $1 AND type = $2 AND data @> $3::jsonb ORDER BY seq LIMIT 1',
    [taskId, type, JSON.stringify(match)],
  );
  return res.rows[0]?.data;
}
