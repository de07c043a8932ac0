import type { ModelProtocolName, RecordedRequest } from './recorded-request.ts';
import type { ReplyPart, StopReason } from './reply.ts';
import type { SseEvent } from './sse.ts';

/** Token usage with every field resolved (see `ScriptedUsage` for what `input` counts). */
export interface ResolvedUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** A successful answer, ready to be rendered in one protocol's wire format. */
export interface Answer {
  readonly request: RecordedRequest;
  readonly parts: readonly ReplyPart[];
  readonly usage: ResolvedUsage;
  readonly stopReason: StopReason;
}

/**
 * One wire protocol. Implementations only render: they never touch the socket, so the server decides
 * timing, dropping and hanging the same way for every protocol.
 */
export interface ModelProtocol {
  readonly name: ModelProtocolName;
  /** Response header carrying the request id (`request-id`, `x-request-id`). */
  readonly requestIdHeader: string;
  /** The protocol's error JSON; `type` overrides the type derived from `status`. */
  errorBody(status: number, message: string, type?: string, code?: string): object;
  /** The protocol's 400 body for a prompt of `promptTokens` over a window of `maxTokens`. */
  contextLengthBody(maxTokens: number, promptTokens: number): object;
  /** The non-streaming response JSON. */
  responseBody(answer: Answer): object;
  /** The streaming response, in order; the last event is the protocol's end marker. */
  streamEvents(answer: Answer): SseEvent[];
}
