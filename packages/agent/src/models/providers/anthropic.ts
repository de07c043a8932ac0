import { createAnthropic } from '@ai-sdk/anthropic';
import { modelNotConfigured } from '../../errors.ts';
import { envValue, type ProviderAdapter } from '../provider-adapter.ts';

/**
 * Anthropic Messages API. Key from `ANTHROPIC_API_KEY` (or a bearer `ANTHROPIC_AUTH_TOKEN`),
 * endpoint from `baseUrl`, `ANTHROPIC_BASE_URL` or the public API. Every setting is passed
 * explicitly so the SDK never falls back to `process.env`.
 */
export const anthropicProvider: ProviderAdapter = {
  id: 'anthropic',
  envVars: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'],
  create(modelId, options) {
    const apiKey = envValue(options.env, 'ANTHROPIC_API_KEY');
    const authToken = envValue(options.env, 'ANTHROPIC_AUTH_TOKEN');
    if (!apiKey && !authToken) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model anthropic:${modelId} needs an Anthropic API key, and ANTHROPIC_API_KEY is not set.`,
          'Set ANTHROPIC_API_KEY to a key from https://console.anthropic.com/ (or ANTHROPIC_AUTH_TOKEN for a bearer token).',
        ),
      };
    }
    const provider = createAnthropic({
      baseURL:
        options.baseUrl ?? envValue(options.env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com/v1',
      ...(authToken && !apiKey ? { authToken } : { apiKey }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { ok: true, model: provider(modelId) };
  },
};
