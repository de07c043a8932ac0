import { z } from 'zod';
import { ReviewVerdict } from '../pr-loop.ts';

const count = z.number().int().nonnegative();

/** What a `coding/pr-review-v1` task's review step did with the agent's answer. */
export const REVIEW_EVENT_DATA = {
  /** The review is on the forge: one review (GitHub) or stored review comments (plain git). */
  'review.posted': z.object({
    pull_request: z.number().int(),
    verdict: ReviewVerdict,
    /** Line comments posted on lines of the diff. */
    comments: count,
    /** Line comments outside the diff, moved into the review's summary. */
    moved: count,
    url: z.string().nullable(),
  }),
  /** The agent's final answer is not a review (`ReviewResult`): why, and the answer itself (bounded, secrets scrubbed). */
  'review.output_invalid': z.object({
    /** Which answer: 1, or 2 after the retry. */
    attempt: z.number().int().positive(),
    error: z.string(),
    raw: z.string(),
    /** The whole answer's length (`raw` is its beginning). */
    raw_chars: count,
    /** The agent is asked once more; otherwise the task fails `REVIEW_OUTPUT_INVALID`. */
    will_retry: z.boolean(),
  }),
  /** The agent is asked again for its review, told what was wrong with its answer. */
  'review.retry': z.object({ attempt: z.number().int().positive(), error: z.string() }),
} as const;

/** A finished review task's `outcome.review`: what was posted, and where. */
export const ReviewOutcome = z.object({
  verdict: ReviewVerdict,
  comments: count,
  moved: count,
  url: z.string().nullable(),
});
export type ReviewOutcome = z.infer<typeof ReviewOutcome>;
