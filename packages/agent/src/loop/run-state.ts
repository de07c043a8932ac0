import type { AgentUsage } from '../events.ts';
import type { TokenCounts } from '../pricing.ts';
import type { AgentTranscript } from '../transcript.ts';
import type { AgentResult } from './run-agent-options.ts';

/** A transcript for a new run: the (redacted) prompt as the first user message. */
export function createTranscript(modelRef: string, prompt: string): AgentTranscript {
  return {
    version: 1,
    modelRef,
    messages: [{ role: 'user', content: prompt }],
    turns: 0,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    elapsedMs: 0,
    status: 'running',
    phase: 'working',
    steered: false,
    emptyRetryUsed: false,
    toolHistory: [],
    finalText: '',
  };
}

/** `usage` plus one call's tokens and cost. */
export function addUsage(usage: AgentUsage, tokens: TokenCounts, costUsd: number): AgentUsage {
  return {
    inputTokens: usage.inputTokens + tokens.inputTokens,
    outputTokens: usage.outputTokens + tokens.outputTokens,
    cacheReadTokens: usage.cacheReadTokens + tokens.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens + tokens.cacheWriteTokens,
    costUsd: usage.costUsd + costUsd,
  };
}

/** Outcomes after which a resume continues the conversation instead of returning the result. */
export function isInterrupted(state: AgentTranscript): boolean {
  return state.outcome === 'cancelled' || state.outcome === 'model_error' || state.outcome === 'interrupted';
}

/** The run's result, as stored in its transcript. */
export function resultOf(state: AgentTranscript): AgentResult {
  return {
    outcome: state.outcome ?? 'completed',
    turns: state.turns,
    usage: state.usage,
    finalText: state.finalText,
    ...(state.error ? { error: state.error } : {}),
    transcript: structuredClone(state),
  };
}
