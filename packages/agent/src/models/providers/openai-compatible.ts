import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { modelNotConfigured } from '../../errors.ts';
import { type ProviderAdapter, present } from '../provider-adapter.ts';

/**
 * Any server speaking OpenAI Chat Completions: Ollama (`http://localhost:11434/v1`), vLLM,
 * LM Studio, llama.cpp. The base URL is required (there is no public endpoint); the key is optional
 * since local servers usually take none.
 */
export const openaiCompatibleProvider: ProviderAdapter<'openai-compatible'> = {
  id: 'openai-compatible',
  create({ modelId, credentials, baseUrl, fetch }) {
    if (!baseUrl) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model openai-compatible:${modelId} needs the server's base URL, and none is configured.`,
          "Set ABCA_OPENAI_COMPATIBLE_BASE_URL (or ABCA_MODEL_BASE_URL when ABCA_MODEL is openai-compatible:...) to the server's OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama or http://localhost:8000/v1 for vLLM.",
        ),
      };
    }
    const apiKey = present(credentials.apiKey);
    const provider = createOpenAICompatible({
      name: 'openai-compatible',
      baseURL: baseUrl,
      includeUsage: true,
      ...(apiKey ? { apiKey } : {}),
      ...(fetch ? { fetch } : {}),
    });
    return { ok: true, model: provider.chatModel(modelId) };
  },
};
