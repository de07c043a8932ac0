import { APICallError } from 'ai';
import type { AgentError } from '../errors.ts';

/** A provider failure as a value, with the server's requested delay when it sent one. */
export interface ClassifiedModelError extends AgentError {
  /** From `retry-after-ms` or `retry-after` (seconds or HTTP date), when present. */
  retryAfterMs?: number;
}

/**
 * How providers say the prompt does not fit the model's window: OpenAI's `context_length_exceeded`
 * code ("This model's maximum context length is N tokens…"), Anthropic's "prompt is too long: N
 * tokens > M maximum", Bedrock's "input is too long", and the wording of OpenAI-compatible servers
 * (vLLM, llama.cpp, Ollama, LiteLLM) about the context length or window.
 */
const CONTEXT_PATTERNS = [
  /context_length_exceeded/i,
  /prompt is too long/i,
  /input is too long/i,
  /maximum context length/i,
  /context (length|window|size)/i,
  /(too many|exceeds? the (maximum|max)( number of)?) (input )?tokens/i,
  /reduce the length of the (messages|prompt|input)/i,
];

/** Says the output cap (`max_tokens`) is too large: compaction would not help. */
const OUTPUT_CAP_PATTERN = /max_tokens\s*:|max_tokens` is too large|output tokens/i;

/** Whether a rejected request says the conversation is longer than the model's context window. */
export function isContextLengthError(text: string): boolean {
  if (OUTPUT_CAP_PATTERN.test(text) && !/context_length_exceeded|prompt is too long/i.test(text))
    return false;
  return CONTEXT_PATTERNS.some((pattern) => pattern.test(text));
}

/**
 * The window a context-length error names, when it does: "maximum context length is 8192 tokens",
 * "prompt is too long: 210000 tokens > 200000 maximum", "context length of 4096".
 */
export function windowFromContextError(text: string): number | undefined {
  const patterns = [
    /maximum context length is (\d+)/i,
    /> ?(\d+) maximum/i,
    /context (?:length|window|size) (?:of |is )?(\d+)/i,
  ];
  for (const pattern of patterns) {
    const found = pattern.exec(text);
    const value = found?.[1] ? Number.parseInt(found[1], 10) : Number.NaN;
    if (Number.isSafeInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** Errors that mean our request or configuration is wrong: retrying cannot help. */
const PERMANENT_ERROR_NAMES = new Set([
  'AI_InvalidPromptError',
  'AI_InvalidArgumentError',
  'AI_UnsupportedFunctionalityError',
  'AI_LoadAPIKeyError',
  'AI_LoadSettingError',
  'AI_NoSuchModelError',
  'AI_InvalidMessageRoleError',
  'AI_MessageConversionError',
  'AI_UnsupportedModelVersionError',
]);

/**
 * Maps an error from the AI SDK or the transport to an {@link AgentError}: 429 is
 * `MODEL_RATE_LIMITED`, 408/409/5xx and network failures are `MODEL_UNAVAILABLE` (both retryable),
 * a 4xx saying the prompt does not fit the window is `MODEL_CONTEXT_EXCEEDED` (not retried as is:
 * the loop compacts the history first), other 4xx are `MODEL_REQUEST_REJECTED`. Unknown errors (a dropped stream, a garbled body) are
 * treated as transient.
 */
export function classifyModelError(error: unknown): ClassifiedModelError {
  const apiError = findApiCallError(error);
  if (apiError) {
    const status = apiError.statusCode;
    const retryAfterMs = parseRetryAfter(apiError.responseHeaders);
    const message = status ? `HTTP ${status}: ${apiError.message}` : apiError.message;
    const base = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (status === 429) return { code: 'MODEL_RATE_LIMITED', message, retryable: true, ...base };
    // A 2xx that failed is a garbled or cut response (a proxy, a dropped connection): transient.
    const garbled = status !== undefined && status >= 200 && status < 300;
    if (apiError.isRetryable || garbled)
      return { code: 'MODEL_UNAVAILABLE', message, retryable: true, ...base };
    if (status !== undefined && status >= 400 && status < 500) {
      if (isContextLengthError(`${apiError.message}\n${apiError.responseBody ?? ''}`))
        return { code: 'MODEL_CONTEXT_EXCEEDED', message, retryable: false };
    }
    return { code: 'MODEL_REQUEST_REJECTED', message, retryable: false };
  }
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (PERMANENT_ERROR_NAMES.has(name)) return { code: 'MODEL_REQUEST_REJECTED', message, retryable: false };
  return { code: 'MODEL_UNAVAILABLE', message, retryable: true };
}

function findApiCallError(error: unknown): APICallError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (APICallError.isInstance(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

function parseRetryAfter(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after'];
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
