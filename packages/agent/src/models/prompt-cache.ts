import type { ModelMessage, SystemModelMessage } from 'ai';

type ProviderOptions = NonNullable<SystemModelMessage['providerOptions']>;

/**
 * Message-level provider options that mark a prompt-cache breakpoint, keyed by provider prefix.
 * OpenAI and OpenAI-compatible servers cache prefixes by themselves and need no marker. Bedrock
 * cache points are only accepted by Claude and Nova models.
 */
function cacheMarker(modelRef: string): ProviderOptions | undefined {
  const [provider = '', modelId = ''] = splitRef(modelRef);
  if (provider === 'anthropic') return { anthropic: { cacheControl: { type: 'ephemeral' } } };
  if (provider === 'bedrock' && /anthropic\.claude|amazon\.nova/.test(modelId)) {
    return { bedrock: { cachePoint: { type: 'default' } } };
  }
  return undefined;
}

function splitRef(ref: string): [string, string] {
  const colon = ref.indexOf(':');
  return colon === -1 ? [ref, ''] : [ref.slice(0, colon), ref.slice(colon + 1)];
}

/**
 * The system prompt and messages for one call, with cache breakpoints on the system prompt and the
 * last message where the provider supports them. The stored history is not changed: each call
 * moves the breakpoint to its own last message (two breakpoints, within Anthropic's limit of four).
 */
export function withPromptCache(
  modelRef: string,
  system: string,
  messages: readonly ModelMessage[],
): { system: SystemModelMessage; messages: ModelMessage[] } {
  const marker = cacheMarker(modelRef);
  if (!marker) return { system: { role: 'system', content: system }, messages: [...messages] };
  const out = [...messages];
  const last = out.at(-1);
  if (last) {
    out[out.length - 1] = {
      ...last,
      providerOptions: { ...last.providerOptions, ...marker },
    } as ModelMessage;
  }
  return { system: { role: 'system', content: system, providerOptions: marker }, messages: out };
}
