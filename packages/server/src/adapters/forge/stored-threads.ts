import type { ReviewVerdict } from '@abca/contracts';
import { ForgeError, type PrComment, type PrReviewRecord, type PrReviewThread } from '../../ports/forge.ts';

/**
 * Review threads kept in ABCA's own database (plain-git change requests, the fake forge's pull
 * requests): each comment a row, a thread opened by a line comment that answers none, its replies
 * naming it. The forges that keep them read them through these.
 */
export interface StoredComment {
  id: number;
  author: string;
  body: string;
  /** Null for a comment of the conversation (no line). */
  path: string | null;
  line: number | null;
  resolved: boolean;
  /** The comment that opened the thread this one answers; null for a thread's first. */
  inReplyTo: number | null;
  createdAt: Date;
}

export const toPrComment = (c: StoredComment): PrComment => ({
  id: String(c.id),
  author: c.author,
  body: c.body,
  createdAt: c.createdAt.toISOString(),
});

/** Comments on lines, as threads: each opened by a comment that answers none. */
export function threadsOf(comments: StoredComment[]): PrReviewThread[] {
  const threads = new Map<number, PrReviewThread>();
  for (const c of comments) {
    if (c.path === null) continue;
    const rootId = c.inReplyTo ?? c.id;
    let thread = threads.get(rootId);
    if (!thread) {
      thread = { id: String(rootId), path: c.path, line: c.line, resolved: c.resolved, comments: [] };
      threads.set(rootId, thread);
    }
    if (c.id === rootId) thread.resolved = c.resolved;
    thread.comments.push(toPrComment(c));
  }
  return [...threads.values()];
}

/** The unresolved threads, as a task's context holds them. */
export function openThreads(comments: StoredComment[]) {
  return threadsOf(comments)
    .filter((t) => !t.resolved)
    .map(({ resolved: _resolved, ...t }) => t);
}

/** A stored thread's id is its first comment's id. */
export function threadIdOf(threadId: string): number {
  const id = Number(threadId);
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647)
    throw new ForgeError(
      'REPO_NOT_FOUND_OR_NO_ACCESS',
      `'${threadId.slice(0, 40)}' is not a review thread id`,
      false,
    );
  return id;
}

export const REVIEW_STATE: Record<ReviewVerdict, PrReviewRecord['state']> = {
  approve: 'approved',
  request_changes: 'changes_requested',
  comment: 'commented',
};
