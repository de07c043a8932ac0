import type { StepDefinition } from '../step.ts';
import { admissionStep } from '../steps/admission.ts';
import { agentExecutionStep } from '../steps/agent-execution.ts';
import { finalizationStep } from '../steps/finalization.ts';
import { hydrationStep } from '../steps/hydration.ts';
import { preflightStep } from '../steps/pre-flight.ts';

/** `coding/pr-review-v1`: a read-only review of a PR, posted as one review. */
export const PR_REVIEW_BLUEPRINT: readonly StepDefinition[] = [
  admissionStep,
  hydrationStep,
  preflightStep,
  agentExecutionStep,
  finalizationStep,
];
