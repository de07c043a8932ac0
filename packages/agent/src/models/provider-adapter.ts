import type { LanguageModel } from 'ai';
import type { ModelConfigError } from '../errors.ts';

/** Values a provider may read; everything comes from the caller, nothing from `process.env`. */
export interface CreateModelOptions {
  /** Environment to read keys and settings from (conventional variable names). */
  env: Record<string, string | undefined>;
  /** Overrides the provider's endpoint; required for `openai-compatible` (ABCA_MODEL_BASE_URL). */
  baseUrl?: string;
  /** HTTP client for the provider (tests, proxies). */
  fetch?: typeof fetch;
  /**
   * Bedrock only: a source of AWS credentials beyond the environment (profiles, SSO, instance
   * roles), e.g. `fromNodeProviderChain()` from `@aws-sdk/credential-providers`.
   */
  awsCredentialProvider?: () => PromiseLike<AwsCredentials>;
}

/** Temporary or long-lived AWS credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A model client, or why it could not be built. */
export type ProviderResult = { ok: true; model: LanguageModel } | { ok: false; error: ModelConfigError };

/** One model provider, registered in the provider map under {@link ProviderAdapter.id}. */
export interface ProviderAdapter {
  readonly id: string;
  /** Environment variables the provider reads (documentation and `abca doctor`). */
  readonly envVars: readonly string[];
  create(modelId: string, options: CreateModelOptions): ProviderResult;
}

/** Returns the first non-empty value (after trimming) of `names` in `env`. */
export function envValue(env: Record<string, string | undefined>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}
