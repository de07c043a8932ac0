import { z } from 'zod';

/**
 * Memory's settings (docs/memory.md): how much of a prompt it may take, how long an unused record
 * lives, and the model the learning steps use. A repo may turn memory off (RepoSettings `memory`)
 * and a task may leave it out (`memory: false`).
 */
export const MemoryConfigSchema = z.object({
  /** Characters the memory section of a prompt may take (about four a token). */
  budgetChars: z.coerce
    .number({ error: 'ABCA_MEMORY_BUDGET_CHARS must be a number of characters' })
    .int('ABCA_MEMORY_BUDGET_CHARS must be a whole number')
    .min(0, 'ABCA_MEMORY_BUDGET_CHARS must be 0 (no memory in prompts) or more')
    .max(200_000, 'ABCA_MEMORY_BUDGET_CHARS must be at most 200000')
    .default(8000),
  /** Days a record nobody used lives (pinned ones, and those a merged PR used, are kept). */
  fadeDays: z.coerce
    .number({ error: 'ABCA_MEMORY_FADE_DAYS must be a number of days' })
    .int('ABCA_MEMORY_FADE_DAYS must be a whole number of days')
    .min(1, 'ABCA_MEMORY_FADE_DAYS must be at least 1')
    .max(3650, 'ABCA_MEMORY_FADE_DAYS must be at most 3650')
    .default(90),
  /**
   * The model of the learning steps (`provider:model`, as ABCA_MODEL); unset: ABCA_MODEL. A cheap
   * one is enough: it sorts review comments and distils short rules.
   */
  model: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]*:.+$/,
      'ABCA_MEMORY_MODEL must be provider:model, e.g. anthropic:claude-haiku-4-5',
    )
    .optional(),
  /** Whether tasks and reviews are learned from (retrieval still runs when off). */
  learning: z
    .enum(['on', 'off'], { error: 'ABCA_MEMORY_LEARNING must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
});
export type MemoryConfig = z.infer<typeof MemoryConfigSchema>;

export const MEMORY_ENV_NAMES: Record<string, string> = {
  'memory.budgetChars': 'ABCA_MEMORY_BUDGET_CHARS',
  'memory.fadeDays': 'ABCA_MEMORY_FADE_DAYS',
  'memory.model': 'ABCA_MEMORY_MODEL',
  'memory.learning': 'ABCA_MEMORY_LEARNING',
};

/** The raw memory settings from an environment, for {@link MemoryConfigSchema}. */
export function readMemoryEnv(get: (name: string) => string | undefined) {
  return {
    budgetChars: get('ABCA_MEMORY_BUDGET_CHARS'),
    fadeDays: get('ABCA_MEMORY_FADE_DAYS'),
    model: get('ABCA_MEMORY_MODEL'),
    learning: get('ABCA_MEMORY_LEARNING'),
  };
}
