import type { Answer, ResolvedUsage } from './protocol.ts';
import type { RecordedRequest } from './recorded-request.ts';
import type { ReplySpec } from './reply.ts';

const CHARS_PER_TOKEN = 4;

const estimateTokens = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

/**
 * The input tokens reported for `request` when no usage is scripted: about four characters a token
 * of its body. A responder can compare it with a window to answer `contextLengthExceeded`.
 */
export function estimateInputTokens(request: RecordedRequest): number {
  return Math.max(1, estimateTokens(request.rawBody.length));
}

/**
 * A deterministic usage estimate when none was scripted: about four characters a token, of the
 * request body for input and of the reply's text and tool arguments for output.
 */
function estimateUsage(spec: ReplySpec, request: RecordedRequest): ResolvedUsage {
  const outputChars = spec.parts.reduce(
    (sum, part) => sum + (part.type === 'text' ? part.text.length : part.name.length + part.arguments.length),
    0,
  );
  return {
    input: estimateInputTokens(request),
    output: estimateTokens(outputChars),
    cacheRead: 0,
    cacheWrite: 0,
  };
}

/** Resolves the defaults of a scripted reply (usage, stop reason) against the request it answers. */
export function toAnswer(spec: ReplySpec, request: RecordedRequest): Answer {
  const usage: ResolvedUsage = spec.usage
    ? {
        input: spec.usage.input,
        output: spec.usage.output,
        cacheRead: spec.usage.cacheRead ?? 0,
        cacheWrite: spec.usage.cacheWrite ?? 0,
      }
    : estimateUsage(spec, request);
  const hasToolCalls = spec.parts.some((part) => part.type === 'tool-call');
  return {
    request,
    parts: spec.parts,
    usage,
    stopReason: spec.stopReason ?? (hasToolCalls ? 'tool_use' : 'end_turn'),
  };
}
