import type { ReviewLineComment, ReviewVerdict } from '@abca/contracts';
import type { Octokit } from '@octokit/rest';
import { listNewest } from './pages.ts';

const EVENT: Record<ReviewVerdict, 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'> = {
  approve: 'APPROVE',
  request_changes: 'REQUEST_CHANGES',
  comment: 'COMMENT',
};

const VERDICT_WORDS: Record<ReviewVerdict, string> = {
  approve: 'approve',
  request_changes: 'request changes',
  comment: 'comment',
};

/** The newest reviews searched for the task's marker before posting again. */
const REVIEWS_SEARCHED = 1_000;

interface ReviewData {
  body: string | null;
  html_url: string;
}

function status(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

function message(err: unknown): string {
  return String((err as { message?: unknown }).message ?? '');
}

/** Line comments GitHub would not place, as lines of the review's body (never dropped). */
function asBodyLines(comments: readonly ReviewLineComment[]): string {
  return [
    '',
    'Comments on lines GitHub could not place in the diff:',
    ...comments.map((c) => `- \`${c.path}:${c.line}\`: ${c.body}`),
  ].join('\n');
}

/**
 * Posts one review per task: a review whose body carries the task's marker is looked for first
 * (the newest 1,000 reviews: 1–12 requests), then one `POST …/reviews` with the line comments on
 * the new side of the diff. When GitHub refuses (422):
 * - a verdict on the bot's own pull request (GitHub allows only comments there): posted as a
 *   comment, the verdict stated in the body;
 * - a line it cannot place: posted again with the line comments moved into the body.
 */
export async function postReviewOnce(
  o: Octokit,
  r: { owner: string; repo: string },
  input: {
    number: number;
    commitSha: string;
    verdict: ReviewVerdict;
    body: string;
    comments: readonly ReviewLineComment[];
    marker: string;
  },
): Promise<{ url: string | null }> {
  const earlier = await listNewest<ReviewData>(
    o,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    { ...r, pull_number: input.number },
    REVIEWS_SEARCHED,
  );
  const found = earlier.find((review) => review.body?.includes(input.marker));
  if (found) return { url: found.html_url };

  let event = EVENT[input.verdict];
  let body = input.body;
  let comments = input.comments;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await o.rest.pulls.createReview({
        ...r,
        pull_number: input.number,
        ...(/^[0-9a-f]{40}$/.test(input.commitSha) ? { commit_id: input.commitSha } : {}),
        event,
        body: `${body}\n\n${input.marker}`,
        comments: comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT' as const, body: c.body })),
      });
      return { url: res.data.html_url };
    } catch (err) {
      if (status(err) !== 422 || attempt >= 2) throw err;
      if (/your own pull request/i.test(message(err)) && event !== 'COMMENT') {
        body = `**Verdict: ${VERDICT_WORDS[input.verdict]}** (GitHub lets no one approve or request changes on their own pull request.)\n\n${body}`;
        event = 'COMMENT';
      } else if (/part of the diff|could not be resolved/i.test(message(err)) && comments.length > 0) {
        body = `${body}\n${asBodyLines(comments)}`;
        comments = [];
      } else throw err;
    }
  }
}
