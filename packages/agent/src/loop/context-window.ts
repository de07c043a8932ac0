import type { ModelMessage } from 'ai';
import { splitModelRef } from '../models/model-ref.ts';

/**
 * Context windows (input tokens) of the model families whose window is documented and stable. A
 * model not listed (any `openai-compatible` model, a new family) has no default: set the window
 * explicitly (`ABCA_MODEL_CONTEXT_TOKENS` on the server), or the loop only reacts to the
 * provider's context-length errors.
 */
const FAMILY_WINDOWS: ReadonlyArray<{ provider: string; pattern: RegExp; tokens: number }> = [
  { provider: 'anthropic', pattern: /^claude-/, tokens: 200_000 },
  { provider: 'bedrock', pattern: /anthropic\.claude-/, tokens: 200_000 },
  { provider: 'openai', pattern: /^gpt-5/, tokens: 272_000 },
  { provider: 'openai', pattern: /^gpt-4\.1/, tokens: 1_047_576 },
  { provider: 'openai', pattern: /^(gpt-4o|gpt-4-turbo|chatgpt-4o)/, tokens: 128_000 },
  { provider: 'openai', pattern: /^o[134](-|$)/, tokens: 200_000 },
];

/** Default share of the window at which older tool outputs are pruned, then the history compacted. */
export const DEFAULT_CONTEXT_THRESHOLD = 0.8;

/** The window of `modelRef`: the configured value first, else its family's default, else unknown. */
export function contextWindowFor(modelRef: string, configured?: number): number | undefined {
  if (configured !== undefined && configured > 0) return configured;
  const split = splitModelRef(modelRef);
  if (!split) return undefined;
  const family = FAMILY_WINDOWS.find((f) => f.provider === split.provider && f.pattern.test(split.modelId));
  return family?.tokens;
}

/** About four characters a token: close enough for English and code, and calibrated per call (see below). */
const CHARS_PER_TOKEN = 4;
/** Per part: role, ids and framing the provider adds around the text. */
const PART_OVERHEAD_CHARS = 16;

export function tokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters of what a message sends: its text, tool-call arguments and tool results. */
export function messageChars(message: ModelMessage): number {
  if (typeof message.content === 'string') return message.content.length + PART_OVERHEAD_CHARS;
  let chars = PART_OVERHEAD_CHARS;
  for (const part of message.content) {
    chars += PART_OVERHEAD_CHARS;
    if (part.type === 'text' || part.type === 'reasoning') chars += part.text.length;
    else if (part.type === 'tool-call')
      chars += part.toolName.length + JSON.stringify(part.input ?? {}).length;
    else if (part.type === 'tool-result') chars += part.toolName.length + outputChars(part.output);
    else chars += JSON.stringify(part).length;
  }
  return chars;
}

function outputChars(output: unknown): number {
  if (output && typeof output === 'object' && 'value' in output) {
    const value = (output as { value: unknown }).value;
    return typeof value === 'string' ? value.length : JSON.stringify(value ?? '').length;
  }
  return JSON.stringify(output ?? '').length;
}

/** Estimated tokens of `messages` (without the system prompt and tool schemas). */
export function messagesTokens(messages: readonly ModelMessage[]): number {
  return tokensOfChars(messages.reduce((sum, m) => sum + messageChars(m), 0));
}

/**
 * The prompt's size before a call: what the last call's input was measured at beyond its messages
 * (`overheadTokens`: the system prompt, tool schemas and the provider's framing, as the provider
 * counted them), plus the estimate of the messages now. Calibrated after every call, so the
 * estimate follows the provider's own count rather than drifting with the heuristic.
 */
export function promptTokens(messages: readonly ModelMessage[], overheadTokens: number): number {
  return overheadTokens + messagesTokens(messages);
}

/** The non-message part of a call's input, from the provider's count of it (never negative). */
export function calibrateOverhead(inputTokens: number, sent: readonly ModelMessage[]): number {
  return Math.max(0, inputTokens - messagesTokens(sent));
}
