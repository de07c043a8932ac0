import { z } from 'zod';

/** The steps of the blueprint, in order. */
export const STEP_NAMES = [
  'admission',
  'hydration',
  'pre-flight',
  'agent-execution',
  'finalization',
] as const;
export const StepName = z.enum(STEP_NAMES);
export type StepName = (typeof STEP_NAMES)[number];
