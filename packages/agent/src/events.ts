import { z } from 'zod';

/**
 * How a run ended. The three limit outcomes keep the work: the workspace is never reset.
 * `interrupted`: the process stopped (a drain); the run is not over and resumes from its transcript.
 */
export const agentOutcomeSchema = z.enum([
  'completed',
  'max_turns',
  'budget_exceeded',
  'stuck',
  'cancelled',
  'timed_out',
  'model_error',
  'interrupted',
]);
export type AgentOutcome = z.infer<typeof agentOutcomeSchema>;

/** Which limit stopped the run: turns, tokens (input + output), dollars, or wall time. */
export const limitKindSchema = z.enum(['max_turns', 'max_tokens', 'max_budget_usd', 'wall_time']);
export type LimitKind = z.infer<typeof limitKindSchema>;

/** Cumulative token and dollar usage. `inputTokens` includes cache reads and writes. */
export const agentUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type AgentUsage = z.infer<typeof agentUsageSchema>;

/** A run failure as a value (see `AgentErrorCode`). */
export const agentErrorSchema = z.object({
  code: z.enum([
    'MODEL_NOT_CONFIGURED',
    'MODEL_RATE_LIMITED',
    'MODEL_UNAVAILABLE',
    'MODEL_REQUEST_REJECTED',
    'MODEL_CONTEXT_EXCEEDED',
    'MODEL_EMPTY_RESPONSE',
    'AGENT_STUCK',
  ]),
  message: z.string(),
  retryable: z.boolean(),
});

/** ISO-8601 time of the event, from the run's clock. */
const at = z.string();
const turn = z.number().int().nonnegative();

/**
 * Everything the loop reports, in order. All text (tool arguments, results, messages) is redacted
 * before it is put in an event; tool results are previews (at most 2 000 characters).
 */
export const agentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('turn_started'), at, turn, wrapUp: z.boolean() }),
  z.object({
    type: z.literal('model_call'),
    at,
    turn,
    modelRef: z.string(),
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadTokens: z.number().int().nonnegative(),
    cacheWriteTokens: z.number().int().nonnegative(),
    costUsd: z.number().nonnegative(),
    latencyMs: z.number().nonnegative(),
    /** Retries after 429/5xx/network failures before this outcome. */
    retries: z.number().int().nonnegative(),
    finishReason: z.string().optional(),
    /** Set when the call failed after its retries. */
    error: agentErrorSchema.optional(),
  }),
  z.object({
    type: z.literal('tool_call'),
    at,
    turn,
    toolCallId: z.string(),
    tool: z.string(),
    args: z.unknown(),
    result: z.string(),
    isError: z.boolean(),
    durationMs: z.number().nonnegative(),
    /** The model saw a truncated output. */
    truncated: z.boolean(),
  }),
  z.object({ type: z.literal('nudge_received'), at, turn, message: z.string() }),
  z.object({
    type: z.literal('limit_reached'),
    at,
    turn,
    limit: limitKindSchema,
    /** Value reached (turns, tokens, USD or ms) and the configured threshold. */
    value: z.number(),
    threshold: z.number(),
  }),
  z.object({
    type: z.literal('steering'),
    at,
    turn,
    reason: z.enum(['repeated_failure', 'failure_streak']),
    message: z.string(),
  }),
  z.object({
    type: z.literal('context_pruned'),
    at,
    turn,
    /** Older tool outputs replaced by a placeholder (their full text saved in the sandbox). */
    outputs: z.number().int().positive(),
    /** Estimated prompt tokens before and after, and the model's window. */
    tokensBefore: z.number().int().nonnegative(),
    tokensAfter: z.number().int().nonnegative(),
    windowTokens: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('context_compacted'),
    at,
    turn,
    /** `threshold`: the prompt neared the window; `context_length_error`: the provider refused it. */
    reason: z.enum(['threshold', 'context_length_error']),
    tokensBefore: z.number().int().nonnegative(),
    tokensAfter: z.number().int().nonnegative(),
    /** The window, when known (configured, a family default, or named by the provider's error). */
    windowTokens: z.number().int().positive().optional(),
    /** Recent messages kept verbatim after the task and the summary. */
    keptMessages: z.number().int().nonnegative(),
    summaryChars: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('turn_completed'),
    at,
    turn,
    toolCalls: z.number().int().nonnegative(),
    /** Preview of the model's text in this turn. */
    text: z.string(),
    /** Cumulative usage after this turn. */
    usage: agentUsageSchema,
  }),
  z.object({
    type: z.literal('agent_finished'),
    at,
    outcome: agentOutcomeSchema,
    turns: turn,
    usage: agentUsageSchema,
    finalText: z.string(),
    error: agentErrorSchema.optional(),
  }),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;
/** The `type` of an {@link AgentEvent}. */
export type AgentEventType = AgentEvent['type'];
