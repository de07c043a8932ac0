import type { LanguageModel } from 'ai';
import { type ModelConfigError, modelNotConfigured } from '../errors.ts';
import { splitModelRef } from './model-ref.ts';
import type { ProviderAdapter, ProviderResult } from './provider-adapter.ts';
import {
  isProviderId,
  PROVIDER_IDS,
  type ProviderBaseUrls,
  type ProviderCredentials,
  type ProviderId,
} from './provider-credentials.ts';
import { anthropicProvider } from './providers/anthropic.ts';
import { bedrockProvider } from './providers/bedrock.ts';
import { openaiProvider } from './providers/openai.ts';
import { openaiCompatibleProvider } from './providers/openai-compatible.ts';

/** Providers keyed by the prefix of a model reference (`anthropic:claude-sonnet-4-5`). */
export const PROVIDERS: { readonly [Id in ProviderId]: ProviderAdapter<Id> } = {
  anthropic: anthropicProvider,
  openai: openaiProvider,
  bedrock: bedrockProvider,
  'openai-compatible': openaiCompatibleProvider,
};

/**
 * What a model is built from: every provider's credentials and endpoint, each under its own
 * provider. Nothing comes from `process.env`.
 */
export interface CreateModelOptions {
  /** Each provider's own credentials; the provider named by the reference gets its entry only. */
  credentials: ProviderCredentials;
  /** Each provider's own endpoint; one without an entry uses its public API. */
  baseUrls?: ProviderBaseUrls;
  /** HTTP client for the provider (tests, proxies). */
  fetch?: typeof fetch;
}

/** A model client built from a reference. */
export interface ResolvedModel {
  /** The reference as given, e.g. `anthropic:claude-sonnet-4-5`. */
  ref: string;
  provider: ProviderId;
  modelId: string;
  model: LanguageModel;
}

/** The model, or a {@link ModelConfigError} saying what is missing and how to fix it. */
export type CreateModelResult = { ok: true; value: ResolvedModel } | { ok: false; error: ModelConfigError };

/**
 * Builds a model client from `provider:model`. Never throws, never reads `process.env`, and makes
 * no network call (a bad key shows on the first request). The adapter of the named provider is
 * handed that provider's credentials and endpoint only, so a reference can pick a provider but can
 * never send one provider's key to another provider's URL.
 */
export function createModel(ref: string, options: CreateModelOptions): CreateModelResult {
  const known = PROVIDER_IDS.join(', ');
  const split = splitModelRef(ref);
  if (!split) {
    return {
      ok: false,
      error: modelNotConfigured(
        `Model reference "${ref}" is not of the form provider:model.`,
        `Name the model as provider:model with a provider among ${known}, e.g. anthropic:claude-sonnet-4-5.`,
      ),
    };
  }
  const { provider, modelId } = split;
  if (!isProviderId(provider)) {
    return {
      ok: false,
      error: modelNotConfigured(
        `Unknown model provider "${provider}" in "${ref}".`,
        `Use one of ${known}; for Ollama, vLLM or LM Studio use openai-compatible:<model> with ABCA_OPENAI_COMPATIBLE_BASE_URL.`,
      ),
    };
  }
  const built = build(provider, modelId, options);
  if (!built.ok) return built;
  return { ok: true, value: { ref, provider, modelId, model: built.model } };
}

/** Hands the provider's adapter its own entries of the per-provider maps, and nothing else. */
function build<Id extends ProviderId>(id: Id, modelId: string, options: CreateModelOptions): ProviderResult {
  const adapter: ProviderAdapter<Id> = PROVIDERS[id];
  const credentials = (options.credentials[id] ?? {}) as NonNullable<ProviderCredentials[Id]>;
  return adapter.create({ modelId, credentials, baseUrl: options.baseUrls?.[id], fetch: options.fetch });
}
