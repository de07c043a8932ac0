import type { LanguageModel } from 'ai';
import type { ModelConfigError } from '../errors.ts';
import type { ProviderCredentials, ProviderId } from './provider-credentials.ts';

/**
 * What one adapter is handed to build a client: its own credentials and its own endpoint, nothing
 * of any other provider. {@link createModel} picks the provider's entry out of the per-provider
 * maps, so an adapter has no way to reach another provider's key or URL.
 */
export interface ProviderBuildInput<Credentials> {
  modelId: string;
  /** The provider's own credentials (an empty object when the caller has none for it). */
  credentials: Credentials;
  /** The provider's own endpoint; `undefined` means its public API (openai-compatible has none). */
  baseUrl: string | undefined;
  /** HTTP client for the provider (tests, proxies). */
  fetch: typeof fetch | undefined;
}

/** A model client, or why it could not be built. */
export type ProviderResult = { ok: true; model: LanguageModel } | { ok: false; error: ModelConfigError };

/** One model provider, registered in the provider map under {@link ProviderAdapter.id}. */
export interface ProviderAdapter<Id extends ProviderId = ProviderId> {
  readonly id: Id;
  create(input: ProviderBuildInput<NonNullable<ProviderCredentials[Id]>>): ProviderResult;
}

/** `value` trimmed, or `undefined` when it is missing or blank. */
export function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
