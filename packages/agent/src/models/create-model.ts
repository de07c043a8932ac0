import type { LanguageModel } from 'ai';
import { type ModelConfigError, modelNotConfigured } from '../errors.ts';
import type { CreateModelOptions, ProviderAdapter } from './provider-adapter.ts';
import { anthropicProvider } from './providers/anthropic.ts';
import { bedrockProvider } from './providers/bedrock.ts';
import { openaiProvider } from './providers/openai.ts';
import { openaiCompatibleProvider } from './providers/openai-compatible.ts';

/** Providers keyed by the prefix of a model reference (`anthropic:claude-sonnet-4-5`). */
export const PROVIDERS: Readonly<Record<string, ProviderAdapter>> = {
  [anthropicProvider.id]: anthropicProvider,
  [openaiProvider.id]: openaiProvider,
  [bedrockProvider.id]: bedrockProvider,
  [openaiCompatibleProvider.id]: openaiCompatibleProvider,
};

/** A model client built from a reference. */
export interface ResolvedModel {
  /** The reference as given, e.g. `anthropic:claude-sonnet-4-5`. */
  ref: string;
  provider: string;
  modelId: string;
  model: LanguageModel;
}

/** The model, or a {@link ModelConfigError} saying what is missing and how to fix it. */
export type CreateModelResult = { ok: true; value: ResolvedModel } | { ok: false; error: ModelConfigError };

/**
 * Builds a model client from `provider:model`. Never throws and never reads `process.env`: keys
 * come from `options.env` (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, AWS variables,
 * `ABCA_MODEL_BASE_URL`...). Building makes no network call; a bad key shows on the first request.
 */
export function createModel(ref: string, options: CreateModelOptions): CreateModelResult {
  const colon = ref.indexOf(':');
  const known = Object.keys(PROVIDERS).join(', ');
  if (colon <= 0 || colon === ref.length - 1) {
    return {
      ok: false,
      error: modelNotConfigured(
        `Model reference "${ref}" is not of the form provider:model.`,
        `Name the model as provider:model with a provider among ${known}, e.g. anthropic:claude-sonnet-4-5.`,
      ),
    };
  }
  const provider = ref.slice(0, colon);
  const modelId = ref.slice(colon + 1);
  const adapter = PROVIDERS[provider];
  if (!adapter) {
    return {
      ok: false,
      error: modelNotConfigured(
        `Unknown model provider "${provider}" in "${ref}".`,
        `Use one of ${known}; for Ollama, vLLM or LM Studio use openai-compatible:<model> with ABCA_MODEL_BASE_URL.`,
      ),
    };
  }
  const built = adapter.create(modelId, options);
  if (!built.ok) return built;
  return { ok: true, value: { ref, provider, modelId, model: built.model } };
}
