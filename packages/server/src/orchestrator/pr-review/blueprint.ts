import type { StepDefinition } from '../step.ts';
import { admissionStep } from '../steps/admission.ts';
import { agentExecutionStep } from '../steps/agent-execution.ts';
import { hydrationStep } from '../steps/hydration.ts';
import { preflightStep } from '../steps/pre-flight.ts';
import { reviewStep } from './review-step.ts';

/**
 * `coding/pr-review-v1`: a read-only review of a PR, posted as one review. The agent reads the PR
 * on its branch (and may run the tests); nothing is pushed — the review step replaces
 * finalization. An answer that is not a review is asked for once more: the second agent step
 * resumes the run the review step reopened (it is skipped when the first answer was posted, as the
 * task has ended), and the second review step posts the answer or fails `REVIEW_OUTPUT_INVALID`.
 */
export const PR_REVIEW_BLUEPRINT: readonly StepDefinition[] = [
  admissionStep,
  hydrationStep,
  preflightStep,
  agentExecutionStep,
  reviewStep,
  agentExecutionStep,
  reviewStep,
];
