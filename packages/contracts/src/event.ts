import { z } from 'zod';

/**
 * One entry of a task's append-only event log. `seq` is monotonic per task and is the cursor
 * clients resume from; `type` is dotted (`task.status_changed`, `step.started`, `agent.tool_call`).
 */
export const TaskEvent = z.object({
  task_id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

export const ListEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.coerce.number().int().min(0).optional(),
  next_token: z.string().max(200).optional(),
  follow: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
});
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

/** The steps of the blueprint, in order. */
export const STEP_NAMES = [
  'admission',
  'hydration',
  'pre-flight',
  'agent-execution',
  'finalization',
] as const;
export type StepName = (typeof STEP_NAMES)[number];
