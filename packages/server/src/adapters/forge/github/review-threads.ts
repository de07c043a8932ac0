import type { Octokit } from '@octokit/rest';
import { type ForgeContext, ForgeError } from '../../../ports/forge.ts';

type Thread = NonNullable<ForgeContext['pullRequest']>['reviewThreads'][number];

/**
 * A pull request's review threads over GraphQL: REST lists review comments but cannot say whether
 * their thread is resolved. 100 threads a page, the first 100 comments of each.
 */
export const REVIEW_THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        nodes {
          isResolved
          isOutdated
          path
          line
          originalLine
          comments(first: 100) { nodes { author { login } body } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

/** The fields of `PullRequestReviewThread` the query asks for. */
export interface ReviewThreadNode {
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  /** Null once the thread is outdated. */
  line: number | null;
  originalLine: number | null;
  comments: { nodes: ({ author: { login: string } | null; body: string } | null)[] };
}

interface ReviewThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        nodes: (ReviewThreadNode | null)[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } | null;
  } | null;
}

/** More than this many pages (10,000 threads) is not a review; stop rather than loop. */
const MAX_PAGES = 100;

/**
 * The threads the agent should act on: resolved ones are left out. Outdated ones (their lines
 * changed since) are kept, marked `outdated`, at their original line.
 */
export function openReviewThreads(nodes: readonly (ReviewThreadNode | null)[]): Thread[] {
  return nodes.flatMap((node) =>
    node && !node.isResolved
      ? [
          {
            // TODO(pr-loop foundation): the thread's node id, once the query asks for it.
            id: '',
            path: node.path,
            line: node.line ?? node.originalLine ?? null,
            comments: node.comments.nodes.flatMap((c) =>
              c ? [{ author: c.author?.login ?? 'ghost', body: c.body }] : [],
            ),
            ...(node.isOutdated ? { outdated: true } : {}),
          },
        ]
      : [],
  );
}

/** Reads every review thread of pull request `number` and keeps the unresolved ones. */
export async function fetchOpenReviewThreads(
  o: Octokit,
  r: { owner: string; repo: string },
  number: number,
): Promise<Thread[]> {
  const nodes: (ReviewThreadNode | null)[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data: ReviewThreadsPage = await o.graphql<ReviewThreadsPage>(REVIEW_THREADS_QUERY, {
      owner: r.owner,
      name: r.repo,
      number,
      after,
    });
    const threads = data.repository?.pullRequest?.reviewThreads;
    // GitHub answers a missing repository or PR with `errors` (thrown by Octokit); this is a guard.
    if (!threads)
      throw new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', `no pull request #${number} in the answer`, false);
    nodes.push(...threads.nodes);
    if (!threads.pageInfo.hasNextPage || !threads.pageInfo.endCursor) break;
    after = threads.pageInfo.endCursor;
  }
  return openReviewThreads(nodes);
}
