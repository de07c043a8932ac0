/** A review thread as the iteration's prompt names it: `T1` for the agent, the forge's id for replies. */
export interface ThreadRef {
  /** `T1`, `T2`…: what the agent writes in its replies. */
  ref: string;
  /** The forge's thread id (what `replyToThread` and `resolveThread` take). */
  id: string;
  path: string;
  line: number | null;
}

/** What hydration of an iteration keeps on the task (`TaskContext.iteration`) for finalization. */
export interface IterationContext {
  threads: ThreadRef[];
  /** ABCA's last push on the pull request (ISO time), or null when there was none. */
  since: string | null;
}
