import type { Answer, ModelProtocol, ResolvedUsage } from './protocol.ts';
import type { ReplyPart, StopReason } from './reply.ts';
import { argumentPieces, type SseEvent, textPieces } from './sse.ts';

const FINISH_REASONS: Record<StopReason, string> = {
  end_turn: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
};

/** Error `type` and `code` as OpenAI sends them for common statuses. */
function errorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function usageJson(usage: ResolvedUsage): object {
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: {
      cached_tokens: usage.cacheRead,
      // Not an OpenAI field, but what OpenAI-style gateways send and what the AI SDK reads.
      ...(usage.cacheWrite > 0 ? { cache_write_tokens: usage.cacheWrite } : {}),
    },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

type ToolCallPart = Extract<ReplyPart, { type: 'tool-call' }>;

const toolCallId = (answer: Answer, call: ToolCallPart, index: number): string =>
  call.id ?? `call_${answer.request.id}_${index}`;

const textOf = (answer: Answer): string =>
  answer.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

const toolCallsOf = (answer: Answer): ToolCallPart[] =>
  answer.parts.filter((part): part is ToolCallPart => part.type === 'tool-call');

const completionId = (answer: Answer): string => `chatcmpl-modelkit-${answer.request.id}`;
const created = (answer: Answer): number => Math.floor(Date.parse(answer.request.at) / 1000);
const modelOf = (answer: Answer): string => answer.request.model ?? 'model-kit';

/** OpenAI Chat Completions (`POST /v1/chat/completions`), JSON and `chat.completion.chunk` SSE. */
export const openaiChat: ModelProtocol = {
  name: 'openai-chat',
  requestIdHeader: 'x-request-id',

  errorBody(status, message, type, code) {
    const kind = errorKind(status);
    return { error: { message, type: type ?? kind.type, param: null, code: code ?? kind.code } };
  },

  contextLengthBody(maxTokens, promptTokens) {
    return {
      error: {
        message:
          `This model's maximum context length is ${maxTokens} tokens. However, your messages resulted in ` +
          `${promptTokens} tokens. Please reduce the length of the messages.`,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    };
  },

  responseBody(answer) {
    const text = textOf(answer);
    const calls = toolCallsOf(answer).map((call, index) => ({
      id: toolCallId(answer, call, index),
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    return {
      id: completionId(answer),
      object: 'chat.completion',
      created: created(answer),
      model: modelOf(answer),
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text.length > 0 ? text : null,
            refusal: null,
            ...(calls.length > 0 ? { tool_calls: calls } : {}),
          },
          logprobs: null,
          finish_reason: FINISH_REASONS[answer.stopReason],
        },
      ],
      usage: usageJson(answer.usage),
    };
  },

  streamEvents(answer) {
    const base = {
      id: completionId(answer),
      object: 'chat.completion.chunk',
      created: created(answer),
      model: modelOf(answer),
    };
    const chunk = (delta: object, finishReason: string | null = null): SseEvent => ({
      data: JSON.stringify({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      }),
    });
    const hasText = answer.parts.some((part) => part.type === 'text' && part.text.length > 0);
    const events: SseEvent[] = [chunk({ role: 'assistant', content: hasText ? '' : null })];
    let toolIndex = 0;
    for (const part of answer.parts) {
      if (part.type === 'text') {
        for (const piece of textPieces(part.text)) events.push(chunk({ content: piece }));
        continue;
      }
      const index = toolIndex++;
      const id = toolCallId(answer, part, index);
      events.push(
        chunk({
          tool_calls: [{ index, id, type: 'function', function: { name: part.name, arguments: '' } }],
        }),
      );
      for (const piece of argumentPieces(part.arguments)) {
        events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    }
    events.push(chunk({}, FINISH_REASONS[answer.stopReason]));
    const options = answer.request.body.stream_options;
    const includeUsage =
      typeof options === 'object' &&
      options !== null &&
      'include_usage' in options &&
      options.include_usage === true;
    if (includeUsage)
      events.push({ data: JSON.stringify({ ...base, choices: [], usage: usageJson(answer.usage) }) });
    events.push({ data: '[DONE]' });
    return events;
  },
};
