import type { ForgeContext } from '../../../ports/forge.ts';

/** The fields of a GitHub pull request review comment the hydration uses. */
export interface ReviewCommentData {
  id: number;
  in_reply_to_id?: number;
  path: string;
  line?: number | null;
  original_line?: number | null;
  body: string;
  user: { login: string } | null;
}

type Thread = NonNullable<ForgeContext['pullRequest']>['reviewThreads'][number];

/**
 * Groups review comments into threads: a reply (`in_reply_to_id`) joins the thread of the comment
 * it answers, in the order GitHub lists them. The REST API does not say whether a thread is
 * resolved (only GraphQL does), so every thread is returned.
 */
export function reviewThreads(comments: readonly ReviewCommentData[]): Thread[] {
  const threads = new Map<number, Thread>();
  const rootOf = new Map<number, number>();
  for (const c of comments) {
    const root = c.in_reply_to_id !== undefined ? (rootOf.get(c.in_reply_to_id) ?? c.in_reply_to_id) : c.id;
    rootOf.set(c.id, root);
    let thread = threads.get(root);
    if (!thread) {
      thread = { path: c.path, line: c.line ?? c.original_line ?? null, comments: [] };
      threads.set(root, thread);
    }
    thread.comments.push({ author: c.user?.login ?? 'ghost', body: c.body });
  }
  return [...threads.values()];
}
