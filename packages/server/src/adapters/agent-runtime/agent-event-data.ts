import type { AgentEvent, AgentUsage } from '@abca/agent';
import type { AgentTaskEventInput, TaskEventData } from '@abca/contracts';

type UsageData = TaskEventData<'agent.turn_completed'>['usage'];

function usageData(u: AgentUsage): UsageData {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cache_read_tokens: u.cacheReadTokens,
    cache_write_tokens: u.cacheWriteTokens,
    cost_usd: u.costUsd,
  };
}

/**
 * The built-in agent's event as a task event (`agent.<type>`, snake_case payload, the loop's own
 * time dropped: the log stamps its own). One case per agent event, so a new agent event is a
 * compile error here until it has its contract schema and its mapping.
 */
export function agentTaskEvent(e: AgentEvent): AgentTaskEventInput {
  switch (e.type) {
    case 'turn_started':
      return { type: 'agent.turn_started', data: { turn: e.turn, wrap_up: e.wrapUp } };
    case 'model_call':
      return {
        type: 'agent.model_call',
        data: {
          turn: e.turn,
          model_ref: e.modelRef,
          input_tokens: e.inputTokens,
          output_tokens: e.outputTokens,
          cache_read_tokens: e.cacheReadTokens,
          cache_write_tokens: e.cacheWriteTokens,
          cost_usd: e.costUsd,
          latency_ms: e.latencyMs,
          retries: e.retries,
          ...(e.finishReason !== undefined ? { finish_reason: e.finishReason } : {}),
          ...(e.error ? { error: e.error } : {}),
        },
      };
    case 'message':
      return { type: 'agent.message', data: { turn: e.turn, text: e.text } };
    case 'tool_started':
      return {
        type: 'agent.tool_started',
        data: { turn: e.turn, tool_call_id: e.toolCallId, tool: e.tool, args_preview: e.argsPreview },
      };
    case 'tool_output':
      return {
        type: 'agent.tool_output',
        data: {
          turn: e.turn,
          tool_call_id: e.toolCallId,
          tool: e.tool,
          tail: e.tail,
          bytes: e.bytes,
          elapsed_ms: e.elapsedMs,
        },
      };
    case 'tool_call':
      return {
        type: 'agent.tool_call',
        data: {
          turn: e.turn,
          tool_call_id: e.toolCallId,
          tool: e.tool,
          args: e.args,
          result: e.result,
          is_error: e.isError,
          duration_ms: e.durationMs,
          truncated: e.truncated,
        },
      };
    case 'nudge_received':
      return { type: 'agent.nudge_received', data: { turn: e.turn, message: e.message } };
    case 'limit_reached':
      return {
        type: 'agent.limit_reached',
        data: { turn: e.turn, limit: e.limit, value: e.value, threshold: e.threshold },
      };
    case 'steering':
      return { type: 'agent.steering', data: { turn: e.turn, reason: e.reason, message: e.message } };
    case 'context_pruned':
      return {
        type: 'agent.context_pruned',
        data: {
          turn: e.turn,
          outputs: e.outputs,
          tokens_before: e.tokensBefore,
          tokens_after: e.tokensAfter,
          window_tokens: e.windowTokens,
        },
      };
    case 'context_compacted':
      return {
        type: 'agent.context_compacted',
        data: {
          turn: e.turn,
          reason: e.reason,
          tokens_before: e.tokensBefore,
          tokens_after: e.tokensAfter,
          ...(e.windowTokens !== undefined ? { window_tokens: e.windowTokens } : {}),
          kept_messages: e.keptMessages,
          summary_chars: e.summaryChars,
        },
      };
    case 'turn_completed':
      return {
        type: 'agent.turn_completed',
        data: { turn: e.turn, tool_calls: e.toolCalls, text: e.text, usage: usageData(e.usage) },
      };
    case 'agent_finished':
      return {
        type: 'agent.agent_finished',
        data: {
          outcome: e.outcome,
          turns: e.turns,
          usage: usageData(e.usage),
          final_text: e.finalText,
          ...(e.error ? { error: e.error } : {}),
        },
      };
  }
}
