import { z } from 'zod';

/**
 * `abca eval` (docs/memory.md, "Measuring the effect on your repos"): a task file of JSON lines,
 * each task run with memory off and on, and the report of both arms.
 */

/** A JavaScript regular expression, checked to compile. */
const Pattern = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression' },
  );

/**
 * A correction a reviewer made before: `pattern` (a JavaScript regular expression) matching a line
 * the task's diff adds means the correction was repeated. A bare string is the pattern.
 */
export const EvalCorrection = z.preprocess(
  (value) => (typeof value === 'string' ? { pattern: value } : value),
  z.strictObject({
    pattern: Pattern,
    /** What the reviewer said, for the report. */
    rule: z.string().min(1).max(500).optional(),
  }),
);
export type EvalCorrection = z.infer<typeof EvalCorrection>;

/** One line of a task file. */
export const EvalTaskLine = z.strictObject({
  /** A short name for the report (default: `task-<line>`). */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ -')
    .optional(),
  /** What to do, as `abca submit` takes it. */
  task: z.string().trim().min(1).max(10_000),
  /** An issue of the repo to work on, with the task text. */
  issue: z.number().int().positive().max(2_147_483_647).optional(),
  max_turns: z.number().int().min(1).max(500).optional(),
  max_budget_usd: z.number().gt(0).max(100).optional(),
  /** Earlier review corrections, checked against the lines the task's diff adds. */
  corrections: z.array(EvalCorrection).max(50).default([]),
});
export type EvalTaskLine = z.infer<typeof EvalTaskLine>;

export const EvalArmName = z.enum(['memory_off', 'memory_on']);
export type EvalArmName = z.infer<typeof EvalArmName>;

/** One task run in one arm. */
export const EvalTaskRun = z.object({
  task: z.string(),
  run: z.number().int().positive(),
  arm: EvalArmName,
  task_id: z.string(),
  status: z.string(),
  /** `outcome.validation.passed`; null when the task ended without a validation verdict. */
  validation_passed: z.boolean().nullable(),
  turns: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  /** Corrections checked against the diff; null when there was no diff to check. */
  corrections_checked: z.number().int().nonnegative().nullable(),
  /** The patterns the diff repeated. */
  corrections_repeated: z.array(z.string()),
});
export type EvalTaskRun = z.infer<typeof EvalTaskRun>;

/** The figures of one arm over every task and run. */
export const EvalArmSummary = z.object({
  runs: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  validation_passed: z.number().int().nonnegative(),
  /** validation_passed / runs (a task that ended without validating counts as not passed). */
  validation_pass_rate: z.number().min(0).max(1).nullable(),
  corrections_checked: z.number().int().nonnegative(),
  corrections_repeated: z.number().int().nonnegative(),
  /** corrections_repeated / corrections_checked; null when nothing could be checked. */
  corrections_repeated_share: z.number().min(0).max(1).nullable(),
  turns_total: z.number().int().nonnegative(),
  turns_mean: z.number().nonnegative().nullable(),
  cost_usd_total: z.number().nonnegative(),
  cost_usd_mean: z.number().nonnegative().nullable(),
});
export type EvalArmSummary = z.infer<typeof EvalArmSummary>;

/** memory_on minus memory_off; null when either side has no figure. */
export const EvalDeltas = z.object({
  validation_pass_rate: z.number().nullable(),
  corrections_repeated_share: z.number().nullable(),
  turns_mean: z.number().nullable(),
  cost_usd_mean: z.number().nullable(),
});
export type EvalDeltas = z.infer<typeof EvalDeltas>;

/** What `abca eval --json` prints. */
export const EvalReport = z.object({
  repo: z.string(),
  tasks: z.number().int().nonnegative(),
  runs: z.number().int().positive(),
  /** false when Ctrl-C stopped it: the figures cover the runs that ended. */
  complete: z.boolean(),
  arms: z.object({ memory_off: EvalArmSummary, memory_on: EvalArmSummary }),
  deltas: EvalDeltas,
  results: z.array(EvalTaskRun),
});
export type EvalReport = z.infer<typeof EvalReport>;
