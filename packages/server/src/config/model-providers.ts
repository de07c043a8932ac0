import {
  PROVIDER_IDS,
  type ProviderBaseUrls,
  type ProviderId,
  splitModelRef,
} from '@abca/agent/without-models';
import { z } from 'zod';

/** The variable that points each provider, and only it, at its own endpoint. */
export const BASE_URL_VARS: Readonly<Record<ProviderId, string>> = {
  anthropic: 'ABCA_ANTHROPIC_BASE_URL',
  openai: 'ABCA_OPENAI_BASE_URL',
  bedrock: 'ABCA_BEDROCK_BASE_URL',
  'openai-compatible': 'ABCA_OPENAI_COMPATIBLE_BASE_URL',
};

const EXAMPLE_URLS: Readonly<Record<ProviderId, string>> = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
  bedrock: 'https://bedrock-runtime.us-east-1.amazonaws.com',
  'openai-compatible': 'http://127.0.0.1:11434/v1',
};

/** An http(s) URL; the message names the variable so a bad value stops the start with a remedy. */
export const httpUrl = (variable: string, example: string) =>
  z.url({ protocol: /^https?$/, error: `${variable} must be an http(s) URL such as ${example}` });

const secret = z.string().optional();
const baseUrl = (id: ProviderId) => httpUrl(BASE_URL_VARS[id], EXAMPLE_URLS[id]).optional();

/**
 * Each provider's credentials and endpoint, kept apart by provider: the built-in runtime hands
 * `createModel` these maps and the model's provider gets its own entries only. Secret.
 */
export const ModelProvidersSchema = z.object({
  credentials: z.object({
    anthropic: z.object({ apiKey: secret }),
    openai: z.object({ apiKey: secret }),
    bedrock: z.object({
      region: z.string().optional(),
      apiKey: secret,
      accessKeyId: secret,
      secretAccessKey: secret,
      sessionToken: secret,
    }),
    /** `ABCA_MODEL_API_KEY`: the key of the OpenAI-compatible server, and of nothing else. */
    'openai-compatible': z.object({ apiKey: secret }),
  }),
  baseUrls: z.object({
    anthropic: baseUrl('anthropic'),
    openai: baseUrl('openai'),
    bedrock: baseUrl('bedrock'),
    'openai-compatible': baseUrl('openai-compatible'),
  }),
});
export type ModelProviders = z.infer<typeof ModelProvidersSchema>;

/** Config paths of the base URLs, mapped to their variables (for error messages). */
export const MODEL_PROVIDER_ENV_NAMES: Record<string, string> = Object.fromEntries(
  PROVIDER_IDS.map((id) => [`modelProviders.baseUrls.${id}`, BASE_URL_VARS[id]]),
);

/** The providers' settings as read from the environment, before validation. */
export function readModelProviders(get: (name: string) => string | undefined): unknown {
  return {
    credentials: {
      anthropic: { apiKey: get('ANTHROPIC_API_KEY') },
      openai: { apiKey: get('OPENAI_API_KEY') },
      bedrock: {
        region: get('AWS_REGION') ?? get('AWS_DEFAULT_REGION'),
        apiKey: get('AWS_BEARER_TOKEN_BEDROCK'),
        accessKeyId: get('AWS_ACCESS_KEY_ID'),
        secretAccessKey: get('AWS_SECRET_ACCESS_KEY'),
        sessionToken: get('AWS_SESSION_TOKEN'),
      },
      'openai-compatible': { apiKey: get('ABCA_MODEL_API_KEY') },
    },
    baseUrls: Object.fromEntries(PROVIDER_IDS.map((id) => [id, get(BASE_URL_VARS[id])])),
  };
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Applies `ABCA_MODEL_BASE_URL` to the provider named in `ABCA_MODEL`, and to no other: a repo that
 * picks another provider must not carry that provider's key to this URL. Returns the per-provider
 * URLs, or the problems that must stop the start (no `ABCA_MODEL` to apply it to; the provider's own
 * variable set to a different URL).
 */
export function applyModelBaseUrl(
  model: string | undefined,
  modelBaseUrl: string | undefined,
  baseUrls: ProviderBaseUrls,
): { ok: true; baseUrls: ProviderBaseUrls } | { ok: false; problems: string[] } {
  if (!modelBaseUrl) return { ok: true, baseUrls };
  const provider = model ? (splitModelRef(model)?.provider as ProviderId | undefined) : undefined;
  const own = Object.values(BASE_URL_VARS).join(', ');
  if (!provider) {
    return {
      ok: false,
      problems: [
        `ABCA_MODEL_BASE_URL applies only to the provider named in ABCA_MODEL, and ABCA_MODEL is not set: set ABCA_MODEL, or point each provider at its endpoint with its own variable (${own})`,
      ],
    };
  }
  const variable = BASE_URL_VARS[provider];
  const current = baseUrls[provider];
  if (current && !sameUrl(current, modelBaseUrl)) {
    return {
      ok: false,
      problems: [
        `ABCA_MODEL_BASE_URL and ${variable} both set the endpoint of ${provider} (the provider of ABCA_MODEL) and differ: keep one of them (${variable} is the one that cannot apply to another provider)`,
      ],
    };
  }
  return { ok: true, baseUrls: { ...baseUrls, [provider]: current ?? modelBaseUrl } };
}

/**
 * The providers this process can route a model to: the provider of `ABCA_MODEL`, and each provider
 * whose credentials are set (an API key; AWS keys or a Bedrock API key; a base URL for
 * openai-compatible, whose key is optional). The one definition of "configured": the API refuses a
 * repo model naming another provider, and the built-in runtime refuses it at pre-flight.
 */
export function configuredProviders(config: {
  model?: string | undefined;
  modelProviders: ModelProviders;
}): ProviderId[] {
  const { credentials, baseUrls } = config.modelProviders;
  const bedrock = credentials.bedrock;
  const has: Record<ProviderId, boolean> = {
    anthropic: Boolean(credentials.anthropic.apiKey),
    openai: Boolean(credentials.openai.apiKey),
    bedrock: Boolean(bedrock.apiKey || (bedrock.accessKeyId && bedrock.secretAccessKey)),
    'openai-compatible': Boolean(baseUrls['openai-compatible']),
  };
  const named = config.model ? splitModelRef(config.model)?.provider : undefined;
  return PROVIDER_IDS.filter((id) => has[id] || id === named);
}
