import { modelMessageSchema } from 'ai';
import { z } from 'zod';
import { agentErrorSchema, agentOutcomeSchema, agentUsageSchema, limitKindSchema } from './events.ts';

/** One tool call as remembered by the stuck detector: tool + canonical arguments, and whether it failed. */
export const toolCallRecordSchema = z.object({ key: z.string(), isError: z.boolean() });
export type ToolCallRecord = z.infer<typeof toolCallRecordSchema>;

/** A tool call as the model asked for it (`problem`: it named no tool or its arguments did not parse). */
export const stepToolCallSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  problem: z.object({ kind: z.enum(['unknown_tool', 'invalid_input']), detail: z.string() }).optional(),
});

/** One call of a turn that already ran (or was answered without running). */
export const executedToolCallSchema = z.object({
  call: stepToolCallSchema,
  output: z.string(),
  isError: z.boolean(),
  durationMs: z.number().nonnegative(),
  truncated: z.boolean(),
});

/**
 * A turn stopped before one of its tool calls because the call waits on a person (an approval
 * gate): the turn's calls, the results of those before it, and the turn's text. A resume asks
 * again about the waiting call, runs the rest, and completes the turn.
 */
export const pendingToolsSchema = z.object({
  turn: z.number().int().positive(),
  text: z.string(),
  calls: z.array(stepToolCallSchema),
  done: z.array(executedToolCallSchema),
});
export type PendingTools = z.infer<typeof pendingToolsSchema>;

/**
 * Everything needed to resume a run without repeating a turn: saved after every turn. JSON-only
 * (no dates, buffers or class instances) so it can go to a database column as is.
 *
 * Invariant: when `status` is `running`, `messages` ends after a complete turn (an assistant message
 * and all its tool results, plus any steering or wrap-up prompt), never mid-turn — except when
 * `pendingTools` is set: then it ends with that turn's assistant message, whose calls are answered
 * by `pendingTools.done` so far.
 */
export const agentTranscriptSchema = z.object({
  version: z.literal(1),
  modelRef: z.string(),
  /** The conversation (without the system prompt, which each call passes from the run's options). */
  messages: z.array(modelMessageSchema),
  /** Model turns done so far (including a wrap-up turn and an empty-response retry turn). */
  turns: z.number().int().nonnegative(),
  usage: agentUsageSchema,
  /** Wall time spent by earlier attempts of this run, counted against `wallTimeMs` on resume. */
  elapsedMs: z.number().nonnegative(),
  status: z.enum(['running', 'finished']),
  /** `wrap_up` once a limit was reached and the wrap-up prompt was sent. */
  phase: z.enum(['working', 'wrap_up']),
  limit: limitKindSchema.optional(),
  /** Whether the stuck detector already sent its one steering message. */
  steered: z.boolean(),
  /** Whether the one retry prompt after an empty response was already used. */
  emptyRetryUsed: z.boolean(),
  /** Recent tool calls (most recent last) since the last steering message. */
  toolHistory: z.array(toolCallRecordSchema),
  outcome: agentOutcomeSchema.optional(),
  finalText: z.string(),
  error: agentErrorSchema.optional(),
  /** The turn whose tool calls wait on a person's decision (see {@link pendingToolsSchema}). */
  pendingTools: pendingToolsSchema.optional(),
  /**
   * What the caller runs this conversation for (its own label, e.g. a planning round); a caller
   * resuming for another purpose starts a new conversation. Absent: the caller gave none.
   */
  purpose: z.string().optional(),
  /**
   * Context tracking (absent in transcripts from before it existed): the part of a call's input
   * beyond its messages as the provider last counted it, a window learned from a context-length
   * error when none was configured, and how many compactions the history went through.
   */
  context: z
    .object({
      overheadTokens: z.number().int().nonnegative(),
      learnedWindowTokens: z.number().int().positive().optional(),
      compactions: z.number().int().nonnegative(),
    })
    .optional(),
});
export type AgentTranscript = z.infer<typeof agentTranscriptSchema>;
