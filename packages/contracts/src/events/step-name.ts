import { z } from 'zod';

/** The steps of the blueprint, in order. */
export const STEP_NAMES = [
  'admission',
  'hydration',
  'pre-flight',
  'agent-execution',
  'finalization',
  /** `coding/pr-review-v1`: checks the agent's review and posts it (instead of finalization). */
  'review',
] as const;
export const StepName = z.enum(STEP_NAMES);
export type StepName = (typeof STEP_NAMES)[number];
