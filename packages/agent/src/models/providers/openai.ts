import { createOpenAI } from '@ai-sdk/openai';
import { modelNotConfigured } from '../../errors.ts';
import { type ProviderAdapter, present } from '../provider-adapter.ts';

/**
 * OpenAI through Chat Completions (`.chat()`), not the Responses API: Chat Completions is
 * stateless (the whole message list goes with every call, which is what our transcript and resume
 * model assume; Responses defaults to server-stored state referenced by item ids), it is the
 * protocol every OpenAI-compatible server and our scripted test server speak, and tool calling
 * behaves the same as on the `openai-compatible` provider.
 */
export const openaiProvider: ProviderAdapter<'openai'> = {
  id: 'openai',
  create({ modelId, credentials, baseUrl, fetch }) {
    const apiKey = present(credentials.apiKey);
    if (!apiKey) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model openai:${modelId} needs an OpenAI API key, and OPENAI_API_KEY is not set.`,
          'Set OPENAI_API_KEY to a key from https://platform.openai.com/api-keys.',
        ),
      };
    }
    const organization = present(credentials.organization);
    const project = present(credentials.project);
    const provider = createOpenAI({
      apiKey,
      baseURL: baseUrl ?? 'https://api.openai.com/v1',
      ...(organization ? { organization } : {}),
      ...(project ? { project } : {}),
      ...(fetch ? { fetch } : {}),
    });
    return { ok: true, model: provider.chat(modelId) };
  },
};
