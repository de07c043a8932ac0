import type { Octokit } from '@octokit/rest';
import { ForgeError, type PrReviewThread } from '../../../ports/forge.ts';

/**
 * A pull request's review threads over GraphQL: REST lists review comments but cannot say whether
 * their thread is resolved. Newest threads first (`last`/`before`), 100 a page; of each thread its
 * first comment (what was asked) and its newest 99.
 */
export const REVIEW_THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $before: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(last: 100, before: $before) {
        nodes {
          id
          isResolved
          isOutdated
          path
          line
          originalLine
          first: comments(first: 1) { nodes { ...ThreadComment } }
          recent: comments(last: 99) { nodes { ...ThreadComment } }
        }
        pageInfo { hasPreviousPage startCursor }
      }
    }
  }
}
fragment ThreadComment on PullRequestReviewComment { databaseId author { __typename login } body createdAt }`;

interface CommentNode {
  databaseId: number | null;
  author: { __typename?: string; login: string } | null;
  body: string;
  createdAt: string;
}

/** GraphQL names a bot by its slug (`abca`); REST and webhooks say `abca[bot]`: one name for both. */
export function actorLogin(author: CommentNode['author']): string {
  if (!author) return 'ghost';
  return author.__typename === 'Bot' && !author.login.endsWith('[bot]')
    ? `${author.login}[bot]`
    : author.login;
}

/** The fields of `PullRequestReviewThread` the query asks for. */
export interface ReviewThreadNode {
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  /** Null once the thread is outdated. */
  line: number | null;
  originalLine: number | null;
  first: { nodes: (CommentNode | null)[] };
  recent: { nodes: (CommentNode | null)[] };
}

interface ReviewThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        nodes: (ReviewThreadNode | null)[];
        pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
      };
    } | null;
  } | null;
}

/** A thread as the forge port shows it: outdated ones at their original line, marked `outdated`. */
export function toReviewThread(node: ReviewThreadNode): PrReviewThread {
  const seen = new Set<number>();
  const comments = [...node.first.nodes, ...node.recent.nodes].flatMap((c) => {
    if (!c || (c.databaseId !== null && seen.has(c.databaseId))) return [];
    if (c.databaseId !== null) seen.add(c.databaseId);
    return [
      {
        id: String(c.databaseId ?? ''),
        author: actorLogin(c.author),
        body: c.body,
        createdAt: c.createdAt,
      },
    ];
  });
  return {
    id: node.id,
    path: node.path,
    line: node.line ?? node.originalLine ?? null,
    ...(node.isOutdated ? { outdated: true } : {}),
    resolved: node.isResolved,
    comments,
  };
}

/**
 * Reads the newest `maxPages` × 100 review threads of pull request `number`, oldest first.
 * GitHub answers a missing repository or PR with `errors` (thrown by Octokit).
 */
export async function fetchReviewThreads(
  o: Octokit,
  r: { owner: string; repo: string },
  number: number,
  maxPages: number,
): Promise<PrReviewThread[]> {
  const pages: (ReviewThreadNode | null)[][] = [];
  let before: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const data: ReviewThreadsPage = await o.graphql<ReviewThreadsPage>(REVIEW_THREADS_QUERY, {
      owner: r.owner,
      name: r.repo,
      number,
      before,
    });
    const threads = data.repository?.pullRequest?.reviewThreads;
    if (!threads)
      throw new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', `no pull request #${number} in the answer`, false);
    pages.unshift(threads.nodes);
    if (!threads.pageInfo.hasPreviousPage || !threads.pageInfo.startCursor) break;
    before = threads.pageInfo.startCursor;
  }
  return pages.flat().flatMap((node) => (node ? [toReviewThread(node)] : []));
}

/** The thread a reply or a resolution names, with what a retry needs to know. */
const THREAD_NODE_QUERY = `query($id: ID!) {
  node(id: $id) {
    ... on PullRequestReviewThread {
      id
      isResolved
      pullRequest { number }
      comments(last: 100) { nodes { body } }
    }
  }
}`;

interface ThreadNode {
  id?: string;
  isResolved: boolean;
  pullRequest: { number: number };
  comments: { nodes: ({ body: string } | null)[] };
}

/** The review thread `threadId` of pull request `number`; a typed failure when it is not one. */
export async function readThread(o: Octokit, threadId: string, number: number): Promise<ThreadNode> {
  const data = await o.graphql<{ node: ThreadNode | null }>(THREAD_NODE_QUERY, { id: threadId });
  const node = data.node;
  if (!node?.id || node.pullRequest.number !== number)
    throw new ForgeError(
      'REPO_NOT_FOUND_OR_NO_ACCESS',
      `no review thread ${threadId.slice(0, 100)} on pull request #${number}`,
      false,
    );
  return node;
}

/**
 * Replies in a thread unless the task already did (its marker is in one of the thread's newest 100
 * comments): one query, and one mutation when it replies.
 */
export async function replyOnce(
  o: Octokit,
  input: { threadId: string; number: number; body: string; marker: string },
): Promise<void> {
  const thread = await readThread(o, input.threadId, input.number);
  if (thread.comments.nodes.some((c) => c?.body.includes(input.marker))) return;
  await o.graphql(
    `mutation($id: ID!, $body: String!) {
      addPullRequestReviewThreadReply(input: {pullRequestReviewThreadId: $id, body: $body}) { comment { id } }
    }`,
    { id: input.threadId, body: `${input.body}\n\n${input.marker}` },
  );
}

/** Resolves a thread: one query, and one mutation when it is not resolved yet. */
export async function resolveOnce(o: Octokit, threadId: string, number: number): Promise<void> {
  const thread = await readThread(o, threadId, number);
  if (thread.isResolved) return;
  await o.graphql(
    'mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { isResolved } } }',
    { id: threadId },
  );
}
