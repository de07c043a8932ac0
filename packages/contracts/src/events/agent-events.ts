import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
const turn = count;

/** Cumulative usage of a run (snake_case of the agent's `AgentUsage`); `input_tokens` includes cache reads and writes. */
export const AgentUsageData = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  cost_usd: z.number().nonnegative(),
});

/** A run failure as a value. */
export const AgentErrorData = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });

/** How the agent loop ended (its own words; `agent.finished` carries the runtime's). */
export const AgentLoopOutcome = z.enum([
  'completed',
  'max_turns',
  'budget_exceeded',
  'stuck',
  'cancelled',
  'timed_out',
  'model_error',
  /** The process is stopping: the run is not over and resumes from its transcript. */
  'interrupted',
]);

/** How the agent step's run ended, as the orchestrator reads it. */
export const AgentRunOutcome = z.enum([
  'completed',
  'max_turns',
  'budget_exceeded',
  'stuck',
  'cancelled',
  'timed_out',
  'failed',
]);

/**
 * The agent's events (`agent.*`): the built-in agent's loop events in snake_case, plus the step's
 * own `agent.finished` and the runtime's `agent.resumed`. All text in them is redacted, and tool
 * results, messages and output tails are previews.
 */
export const AGENT_EVENT_DATA = {
  /** The runtime picked up a saved transcript: the run goes on after `turns` turns. */
  'agent.resumed': z.object({ turns: count }),
  'agent.turn_started': z.object({ turn, wrap_up: z.boolean() }),
  'agent.model_call': z.object({
    turn,
    model_ref: z.string(),
    input_tokens: count,
    output_tokens: count,
    cache_read_tokens: count,
    cache_write_tokens: count,
    cost_usd: z.number().nonnegative(),
    latency_ms: ms,
    /** Retries after 429/5xx/network failures before this outcome. */
    retries: count,
    finish_reason: z.string().optional(),
    /** Set when the call failed after its retries. */
    error: AgentErrorData.optional(),
  }),
  /** The model's text of a turn (its reasoning out loud, or its final summary). */
  'agent.message': z.object({ turn, text: z.string() }),
  /** A tool is about to run. */
  'agent.tool_started': z.object({
    turn,
    tool_call_id: z.string(),
    tool: z.string(),
    /** One line saying what it runs (the command, the path, the pattern). */
    args_preview: z.string(),
  }),
  /** A long-running tool's latest output, every few seconds while it runs. */
  'agent.tool_output': z.object({
    turn,
    tool_call_id: z.string(),
    tool: z.string(),
    /** The last lines of its output so far (redacted, bounded). */
    tail: z.string(),
    /** Bytes of output so far. */
    bytes: count,
    elapsed_ms: ms,
  }),
  /** A tool ran; `result` is a preview of what the model saw. */
  'agent.tool_call': z.object({
    turn,
    tool_call_id: z.string(),
    tool: z.string(),
    args: z.unknown(),
    result: z.string(),
    is_error: z.boolean(),
    duration_ms: ms,
    /** The model saw a truncated output. */
    truncated: z.boolean(),
  }),
  'agent.nudge_received': z.object({ turn, message: z.string() }),
  'agent.limit_reached': z.object({
    turn,
    limit: z.enum(['max_turns', 'max_tokens', 'max_budget_usd', 'wall_time']),
    /** Value reached (turns, tokens, USD or ms) and the configured threshold. */
    value: z.number(),
    threshold: z.number(),
  }),
  'agent.steering': z.object({
    turn,
    reason: z.enum(['repeated_failure', 'failure_streak']),
    message: z.string(),
  }),
  'agent.turn_completed': z.object({
    turn,
    tool_calls: count,
    /** Preview of the model's text in this turn. */
    text: z.string(),
    /** Cumulative usage after this turn. */
    usage: AgentUsageData,
  }),
  /** The agent loop ended. */
  'agent.agent_finished': z.object({
    outcome: AgentLoopOutcome,
    turns: count,
    usage: AgentUsageData,
    final_text: z.string(),
    error: AgentErrorData.optional(),
  }),
  /** Older tool outputs were replaced by placeholders (their full text saved) to keep the prompt in the window. */
  'agent.context_pruned': z.object({
    turn,
    outputs: count,
    tokens_before: count,
    tokens_after: count,
    window_tokens: count,
  }),
  /** The history was summarised by the model: at the threshold, or after a context-length error. */
  'agent.context_compacted': z.object({
    turn,
    reason: z.enum(['threshold', 'context_length_error']),
    tokens_before: count,
    tokens_after: count,
    window_tokens: count.optional(),
    kept_messages: count,
    summary_chars: count,
  }),
  /** The process is stopping: the run stopped at a turn boundary, its transcript saved; it resumes. */
  'agent.interrupted': z.object({ turns: count }),
  /** The agent step's run ended (any runtime). */
  'agent.finished': z.object({ outcome: AgentRunOutcome, turns: count, cost_usd: z.number().nonnegative() }),
} as const;
