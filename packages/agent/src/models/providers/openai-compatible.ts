import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { modelNotConfigured } from '../../errors.ts';
import { envValue, type ProviderAdapter } from '../provider-adapter.ts';

/**
 * Any server speaking OpenAI Chat Completions: Ollama (`http://localhost:11434/v1`), vLLM,
 * LM Studio, llama.cpp. The base URL is required (`baseUrl` or `ABCA_MODEL_BASE_URL`); the key
 * (`ABCA_MODEL_API_KEY`) is optional since local servers usually take none.
 */
export const openaiCompatibleProvider: ProviderAdapter = {
  id: 'openai-compatible',
  envVars: ['ABCA_MODEL_BASE_URL', 'ABCA_MODEL_API_KEY'],
  create(modelId, options) {
    const baseURL = options.baseUrl ?? envValue(options.env, 'ABCA_MODEL_BASE_URL');
    if (!baseURL) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model openai-compatible:${modelId} needs the server's base URL, and ABCA_MODEL_BASE_URL is not set.`,
          "Set ABCA_MODEL_BASE_URL to the server's OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama or http://localhost:8000/v1 for vLLM.",
        ),
      };
    }
    const apiKey = envValue(options.env, 'ABCA_MODEL_API_KEY');
    const provider = createOpenAICompatible({
      name: 'openai-compatible',
      baseURL,
      includeUsage: true,
      ...(apiKey ? { apiKey } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { ok: true, model: provider.chatModel(modelId) };
  },
};
