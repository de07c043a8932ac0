/** The providers a model reference may name, as the prefix of `provider:model`. */
export const PROVIDER_IDS = ['anthropic', 'openai', 'bedrock', 'openai-compatible'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** Whether `value` names a known provider. */
export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

/** Anthropic: an API key (`x-api-key`), or a bearer token when there is no key. */
export interface AnthropicCredentials {
  apiKey?: string;
  authToken?: string;
}

/** OpenAI: the API key, and optionally the organization and project it bills to. */
export interface OpenAICredentials {
  apiKey?: string;
  organization?: string;
  project?: string;
}

/** Temporary or long-lived AWS credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Amazon Bedrock: the region, and a Bedrock API key (bearer), static or temporary AWS keys, or a
 * credential provider (profiles, SSO, instance roles, e.g. `fromNodeProviderChain()`).
 */
export interface BedrockCredentials {
  region?: string;
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  credentialProvider?: () => PromiseLike<AwsCredentials>;
}

/** An OpenAI-compatible server (Ollama, vLLM...): a key only when the server wants one. */
export interface OpenAICompatibleCredentials {
  apiKey?: string;
}

/**
 * Each provider's credentials under its own id. A provider is only ever given its own entry: one
 * provider's key cannot travel to another provider's endpoint.
 */
export interface ProviderCredentials {
  anthropic?: AnthropicCredentials;
  openai?: OpenAICredentials;
  bedrock?: BedrockCredentials;
  'openai-compatible'?: OpenAICompatibleCredentials;
}

/**
 * Each provider's endpoint under its own id; a provider without one uses its public API. There is
 * deliberately no endpoint shared by every provider: it would carry each provider's key to it.
 */
export type ProviderBaseUrls = Partial<Record<ProviderId, string>>;
