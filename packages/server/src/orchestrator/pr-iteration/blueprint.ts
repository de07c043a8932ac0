import type { StepDefinition } from '../step.ts';
import { admissionStep } from '../steps/admission.ts';
import { agentExecutionStep } from '../steps/agent-execution.ts';
import { hydrationStep } from '../steps/hydration.ts';
import { preflightStep } from '../steps/pre-flight.ts';
import { iterationFinalizationStep } from './finalization.ts';

/** `coding/pr-iteration-v1`: work on an open PR's branch and answer its review. */
export const PR_ITERATION_BLUEPRINT: readonly StepDefinition[] = [
  admissionStep,
  hydrationStep,
  preflightStep,
  agentExecutionStep,
  iterationFinalizationStep,
];
