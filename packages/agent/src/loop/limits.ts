import type { AgentOutcome, AgentUsage, LimitKind } from '../events.ts';

/**
 * Limits of one run. Each is checked between turns; when one is reached the agent gets one
 * wrap-up turn (tools still usable, to commit its work) and the run ends with the matching outcome.
 */
export interface AgentLimits {
  /** Model turns before wrap-up (the wrap-up turn comes on top). */
  maxTurns: number;
  /** Input + output tokens, all calls together. */
  maxTokens?: number;
  /** Dollars, from the price table. */
  maxBudgetUsd?: number;
  /** Milliseconds of wall time, counted across resumes. */
  wallTimeMs?: number;
}

/** A limit that was reached, with the value reached and the configured threshold. */
export interface LimitHit {
  limit: LimitKind;
  value: number;
  threshold: number;
}

/** The first limit reached by the run's progress, if any. */
export function reachedLimit(
  limits: AgentLimits,
  progress: { turns: number; usage: AgentUsage; elapsedMs: number },
): LimitHit | undefined {
  const tokens = progress.usage.inputTokens + progress.usage.outputTokens;
  if (limits.maxBudgetUsd !== undefined && progress.usage.costUsd >= limits.maxBudgetUsd) {
    return { limit: 'max_budget_usd', value: progress.usage.costUsd, threshold: limits.maxBudgetUsd };
  }
  if (limits.maxTokens !== undefined && tokens >= limits.maxTokens) {
    return { limit: 'max_tokens', value: tokens, threshold: limits.maxTokens };
  }
  if (limits.wallTimeMs !== undefined && progress.elapsedMs >= limits.wallTimeMs) {
    return { limit: 'wall_time', value: progress.elapsedMs, threshold: limits.wallTimeMs };
  }
  if (progress.turns >= limits.maxTurns)
    return { limit: 'max_turns', value: progress.turns, threshold: limits.maxTurns };
  return undefined;
}

/** The outcome a run ends with after the wrap-up turn for `limit`. */
export function outcomeForLimit(limit: LimitKind): AgentOutcome {
  if (limit === 'max_turns') return 'max_turns';
  if (limit === 'wall_time') return 'timed_out';
  return 'budget_exceeded';
}
