import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { ModelProtocolName, RecordedRequest, ScriptedModelServer } from '../../src/index.ts';

/** A real AI SDK provider pointed at the scripted server, and the protocol it should speak. */
export interface ProviderCase {
  readonly name: string;
  readonly protocol: ModelProtocolName;
  /** Whether the provider reports cache writes (OpenAI-compatible has no such field). */
  readonly reportsCacheWrite: boolean;
  model(server: Pick<ScriptedModelServer, 'baseUrl'>): LanguageModel;
}

export const PROVIDERS: readonly ProviderCase[] = [
  {
    name: 'anthropic',
    protocol: 'anthropic-messages',
    reportsCacheWrite: true,
    model: (server) => createAnthropic({ baseURL: server.baseUrl, apiKey: 'test' })('claude-sonnet-4-5'),
  },
  {
    name: 'openai.chat',
    protocol: 'openai-chat',
    reportsCacheWrite: true,
    model: (server) => createOpenAI({ baseURL: server.baseUrl, apiKey: 'x' }).chat('gpt-4o'),
  },
  {
    name: 'openai-compatible',
    protocol: 'openai-chat',
    reportsCacheWrite: false,
    model: (server) =>
      createOpenAICompatible({ name: 'local', baseURL: server.baseUrl, apiKey: 'x', includeUsage: true })(
        'llama',
      ),
  },
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The tool results a request sends back, by tool call id, read from the protocol's own message
 * shape (`role: "tool"` messages for OpenAI, `tool_result` blocks for Anthropic).
 */
export function toolResultsIn(request: RecordedRequest): Map<string, string> {
  const results = new Map<string, string>();
  const messages = Array.isArray(request.body.messages) ? request.body.messages : [];
  for (const message of messages.filter(isRecord)) {
    if (message.role === 'tool' && typeof message.tool_call_id === 'string') {
      results.set(message.tool_call_id, JSON.stringify(message.content));
    }
    const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
    for (const block of blocks) {
      if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        results.set(block.tool_use_id, JSON.stringify(block.content));
      }
    }
  }
  return results;
}
