import type { Answer, ModelProtocol, ResolvedUsage } from './protocol.ts';
import type { ReplyPart } from './reply.ts';
import { argumentPieces, type SseEvent, textPieces } from './sse.ts';

/** Error `type` as Anthropic sends it for each status. */
function errorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function usageJson(usage: ResolvedUsage): object {
  return {
    input_tokens: usage.input - usage.cacheRead - usage.cacheWrite,
    output_tokens: usage.output,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
  };
}

type ToolCallPart = Extract<ReplyPart, { type: 'tool-call' }>;

const toolUseId = (answer: Answer, call: ToolCallPart, index: number): string =>
  call.id ?? `toolu_modelkit_${answer.request.id}_${index}`;

/** Anthropic carries tool input as a JSON value: malformed argument text can only travel as a string. */
function inputValue(argumentsText: string): unknown {
  try {
    return JSON.parse(argumentsText);
  } catch {
    return argumentsText;
  }
}

/** The content blocks with tool-use ids resolved (counted over tool calls only). */
function blocksOf(answer: Answer): Array<{ part: ReplyPart; toolId: string }> {
  let toolIndex = 0;
  return answer.parts.map((part) => ({
    part,
    toolId: part.type === 'tool-call' ? toolUseId(answer, part, toolIndex++) : '',
  }));
}

const messageId = (answer: Answer): string => `msg_modelkit_${answer.request.id}`;
const modelOf = (answer: Answer): string => answer.request.model ?? 'model-kit';

/** Anthropic Messages (`POST /v1/messages`), JSON and named SSE events. */
export const anthropicMessages: ModelProtocol = {
  name: 'anthropic-messages',
  requestIdHeader: 'request-id',

  errorBody(status, message, type) {
    return { type: 'error', error: { type: type ?? errorType(status), message } };
  },

  contextLengthBody(maxTokens, promptTokens) {
    const message = `prompt is too long: ${promptTokens} tokens > ${maxTokens} maximum`;
    return { type: 'error', error: { type: 'invalid_request_error', message } };
  },

  responseBody(answer) {
    return {
      id: messageId(answer),
      type: 'message',
      role: 'assistant',
      model: modelOf(answer),
      content: blocksOf(answer).map(({ part, toolId }) =>
        part.type === 'text'
          ? { type: 'text', text: part.text }
          : { type: 'tool_use', id: toolId, name: part.name, input: inputValue(part.arguments) },
      ),
      stop_reason: answer.stopReason,
      stop_sequence: null,
      usage: usageJson(answer.usage),
    };
  },

  streamEvents(answer) {
    const event = (type: string, payload: object): SseEvent => ({
      event: type,
      data: JSON.stringify({ type, ...payload }),
    });
    const events: SseEvent[] = [
      event('message_start', {
        message: {
          id: messageId(answer),
          type: 'message',
          role: 'assistant',
          model: modelOf(answer),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usageJson(answer.usage), output_tokens: 0 },
        },
      }),
      event('ping', {}),
    ];
    blocksOf(answer).forEach(({ part, toolId }, index) => {
      if (part.type === 'text') {
        events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        for (const text of textPieces(part.text)) {
          events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }));
        }
      } else {
        events.push(
          event('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: toolId, name: part.name, input: {} },
          }),
        );
        for (const partial_json of argumentPieces(part.arguments)) {
          events.push(
            event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
          );
        }
      }
      events.push(event('content_block_stop', { index }));
    });
    events.push(
      event('message_delta', {
        delta: { stop_reason: answer.stopReason, stop_sequence: null },
        usage: { output_tokens: answer.usage.output },
      }),
      event('message_stop', {}),
    );
    return events;
  },
};
