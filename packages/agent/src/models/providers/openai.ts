import { createOpenAI } from '@ai-sdk/openai';
import { modelNotConfigured } from '../../errors.ts';
import { envValue, type ProviderAdapter } from '../provider-adapter.ts';

/**
 * OpenAI through Chat Completions (`.chat()`), not the Responses API: Chat Completions is
 * stateless (the whole message list goes with every call, which is what our transcript and resume
 * model assume; Responses defaults to server-stored state referenced by item ids), it is the
 * protocol every OpenAI-compatible server and our scripted test server speak, and tool calling
 * behaves the same as on the `openai-compatible` provider.
 */
export const openaiProvider: ProviderAdapter = {
  id: 'openai',
  envVars: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID'],
  create(modelId, options) {
    const apiKey = envValue(options.env, 'OPENAI_API_KEY');
    if (!apiKey) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model openai:${modelId} needs an OpenAI API key, and OPENAI_API_KEY is not set.`,
          'Set OPENAI_API_KEY to a key from https://platform.openai.com/api-keys.',
        ),
      };
    }
    const organization = envValue(options.env, 'OPENAI_ORG_ID');
    const project = envValue(options.env, 'OPENAI_PROJECT_ID');
    const provider = createOpenAI({
      apiKey,
      baseURL: options.baseUrl ?? envValue(options.env, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1',
      ...(organization ? { organization } : {}),
      ...(project ? { project } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { ok: true, model: provider.chat(modelId) };
  },
};
