import { z } from 'zod';
import { AGENT_EVENT_DATA } from './events/agent-events.ts';
import { APPROVAL_EVENT_DATA } from './events/approval-events.ts';
import { ENV_CACHE_EVENT_DATA } from './events/env-cache-events.ts';
import { MEMORY_EVENT_DATA } from './events/memory-events.ts';
import { PR_EVENT_DATA } from './events/pr-events.ts';
import { REVIEW_EVENT_DATA } from './events/review-events.ts';
import { STEP_EVENT_DATA, TASK_EVENT_DATA } from './events/task-events.ts';
import { WORK_EVENT_DATA } from './events/work-events.ts';

export * from './events/agent-events.ts';
export * from './events/approval-events.ts';
export * from './events/env-cache-events.ts';
export * from './events/memory-events.ts';
export * from './events/pr-events.ts';
export * from './events/review-events.ts';
export * from './events/step-name.ts';
export * from './events/task-events.ts';
export * from './events/work-events.ts';

/**
 * The payload schema of every event type, by type. This is the one place a new event type is
 * added: its entry here makes it a member of {@link TaskEvent}, lets the server write it and the
 * CLI read it (the CLI then needs a line for it, which its tests check).
 */
export const TASK_EVENT_DATA_SCHEMAS = {
  ...TASK_EVENT_DATA,
  ...STEP_EVENT_DATA,
  ...WORK_EVENT_DATA,
  ...ENV_CACHE_EVENT_DATA,
  ...PR_EVENT_DATA,
  ...REVIEW_EVENT_DATA,
  ...MEMORY_EVENT_DATA,
  ...APPROVAL_EVENT_DATA,
  ...AGENT_EVENT_DATA,
} as const;

type Schemas = typeof TASK_EVENT_DATA_SCHEMAS;
/** Every event type the platform writes (dotted: `task.status_changed`, `agent.tool_call`). */
export type TaskEventType = keyof Schemas;
export const TASK_EVENT_TYPES = Object.keys(TASK_EVENT_DATA_SCHEMAS) as TaskEventType[];
/** The payload of one event type. */
export type TaskEventData<T extends TaskEventType> = z.infer<Schemas[T]>;

/** An event as the server writes it: its type and payload (the log adds task, sequence and time). */
export type TaskEventInput = { [T in TaskEventType]: { type: T; data: TaskEventData<T> } }[TaskEventType];
/** The agent's event types (`agent.*`), which an agent runtime emits. */
export type AgentTaskEventType = Extract<TaskEventType, `agent.${string}`>;
/** An agent event as a runtime emits it. */
export type AgentTaskEventInput = Extract<TaskEventInput, { type: AgentTaskEventType }>;

/**
 * One entry of a task's log as it travels (the API's wire format): `seq` is monotonic per task and
 * is the cursor clients resume from. Any type and any payload: a client reads old rows and types
 * newer than itself with this, then {@link parseTaskEvent} to get the typed event when it knows it.
 */
export const TaskEventRecord = z.object({
  task_id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type TaskEventRecord = z.infer<typeof TaskEventRecord>;

/** A task event whose payload matches its type's schema: a discriminated union on `type`. */
export type TaskEvent = {
  [T in TaskEventType]: { task_id: string; seq: number; type: T; at: string; data: TaskEventData<T> };
}[TaskEventType];

const envelope = <T extends string>(type: T, data: z.ZodType) =>
  TaskEventRecord.extend({ type: z.literal(type), data });

/** The typed events as one zod schema (discriminated on `type`). */
export const TaskEvent = z.discriminatedUnion(
  'type',
  Object.entries(TASK_EVENT_DATA_SCHEMAS).map(([type, data]) => envelope(type, data)) as unknown as [
    ReturnType<typeof envelope>,
    ...ReturnType<typeof envelope>[],
  ],
) as unknown as z.ZodType<TaskEvent>;

export function isTaskEventType(type: string): type is TaskEventType {
  return Object.hasOwn(TASK_EVENT_DATA_SCHEMAS, type);
}

/** Why an event does not match the contract: an unknown type, or a payload that does not parse. */
export type TaskEventProblem = { kind: 'unknown_type' } | { kind: 'invalid_data'; issues: string[] };

/** Checks an event's type and payload against the contract; `undefined` when it matches. */
export function checkTaskEvent(type: string, data: unknown): TaskEventProblem | undefined {
  if (!isTaskEventType(type)) return { kind: 'unknown_type' };
  const parsed = TASK_EVENT_DATA_SCHEMAS[type].safeParse(data);
  if (parsed.success) return undefined;
  return {
    kind: 'invalid_data',
    issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`),
  };
}

/**
 * The typed event, or `undefined` for a type this build does not know or an old row whose payload
 * no longer matches: readers then fall back to the record (the CLI prints a generic line).
 */
export function parseTaskEvent(record: TaskEventRecord): TaskEvent | undefined {
  if (!isTaskEventType(record.type)) return undefined;
  const data = TASK_EVENT_DATA_SCHEMAS[record.type].safeParse(record.data);
  return data.success ? ({ ...record, data: data.data } as TaskEvent) : undefined;
}

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
