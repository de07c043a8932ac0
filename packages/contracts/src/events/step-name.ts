import { z } from 'zod';

/** The steps of the blueprint, in order. */
export const STEP_NAMES = [
  'admission',
  'hydration',
  'pre-flight',
  'agent-execution',
  'finalization',
] as const;
/** The steps only the PR workflows' blueprints have (`orchestrator/pr-*`/`blueprint.ts`). */
export const PR_STEP_NAMES = [
  /** `coding/pr-review-v1`: checks the agent's review and posts it (instead of finalization). */
  'review',
] as const;
/** Every step name, of every blueprint. */
export const ALL_STEP_NAMES = [...STEP_NAMES, ...PR_STEP_NAMES] as const;
export const StepName = z.enum(ALL_STEP_NAMES);
export type StepName = (typeof ALL_STEP_NAMES)[number];
