import type { WatchDecision } from './decide.ts';
import type { WatchRow } from './watch-store.ts';

/**
 * How long until a watch is polled again. A pull request nobody touches is polled less and less
 * often — each quiet poll doubles the wait, from `pollMs` up to `maxMs` — so a forge's API quota
 * goes to the pull requests that move (on GitHub a poll costs 7 to 21 requests). Anything new
 * brings it back to `pollMs`; a webhook or an API comment nudges it at once, whatever the wait.
 */
export function nextPollMs(idlePolls: number, pollMs: number, maxMs: number): number {
  const cap = Math.max(pollMs, maxMs);
  return Math.min(cap, pollMs * 2 ** Math.min(Math.max(idlePolls, 0), 20));
}

/** Whether a poll found nothing that moved: no new review, comment or check, no change of state. */
export function quietPoll(w: WatchRow, d: WatchDecision): boolean {
  const u = d.update;
  const grew = (k: keyof WatchRow['seen']) =>
    u.seen[k].length !== w.seen[k].length || u.seen[k].at(-1) !== w.seen[k].at(-1);
  return (
    !d.start &&
    !d.notice &&
    u.state === w.state &&
    u.watch_state === w.watch_state &&
    (u.head_sha ?? null) === w.head_sha &&
    u.active_task_id === null &&
    w.active_task_id === null &&
    !u.pending &&
    !grew('reviews') &&
    !grew('comments') &&
    !grew('checks')
  );
}
