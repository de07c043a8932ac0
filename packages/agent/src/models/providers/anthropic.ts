import { createAnthropic } from '@ai-sdk/anthropic';
import { modelNotConfigured } from '../../errors.ts';
import { type ProviderAdapter, present } from '../provider-adapter.ts';

/**
 * Anthropic Messages API, with the key (or a bearer token) and endpoint it is handed, else the
 * public API. Every setting is passed explicitly so the SDK never falls back to `process.env`.
 */
export const anthropicProvider: ProviderAdapter<'anthropic'> = {
  id: 'anthropic',
  create({ modelId, credentials, baseUrl, fetch }) {
    const apiKey = present(credentials.apiKey);
    const authToken = present(credentials.authToken);
    if (!apiKey && !authToken) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model anthropic:${modelId} needs an Anthropic API key, and ANTHROPIC_API_KEY is not set.`,
          'Set ANTHROPIC_API_KEY to a key from https://console.anthropic.com/.',
        ),
      };
    }
    const provider = createAnthropic({
      baseURL: baseUrl ?? 'https://api.anthropic.com/v1',
      ...(apiKey ? { apiKey } : { authToken }),
      ...(fetch ? { fetch } : {}),
    });
    return { ok: true, model: provider(modelId) };
  },
};
