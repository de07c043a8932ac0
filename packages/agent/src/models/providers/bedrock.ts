import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { modelNotConfigured } from '../../errors.ts';
import { type ProviderAdapter, present } from '../provider-adapter.ts';
import type { AwsCredentials } from '../provider-credentials.ts';

/**
 * Amazon Bedrock (Converse API). Credentials, in order: a Bedrock API key (bearer), static or
 * temporary AWS keys, then the credential provider it is handed (profiles, SSO, instance roles).
 * Every setting is passed explicitly (an empty API key, an explicit endpoint, a credential
 * provider) because the SDK would otherwise read `process.env` itself.
 */
export const bedrockProvider: ProviderAdapter<'bedrock'> = {
  id: 'bedrock',
  create({ modelId, credentials, baseUrl, fetch }) {
    const region = present(credentials.region);
    if (!region) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model bedrock:${modelId} needs an AWS region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set.`,
          'Set AWS_REGION to the region where the model is enabled in Bedrock, e.g. us-east-1.',
        ),
      };
    }
    const apiKey = present(credentials.apiKey);
    const accessKeyId = present(credentials.accessKeyId);
    const secretAccessKey = present(credentials.secretAccessKey);
    if (accessKeyId && !secretAccessKey) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model bedrock:${modelId}: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not.`,
          'Set AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials) next to AWS_ACCESS_KEY_ID.',
        ),
      };
    }
    let credentialProvider = credentials.credentialProvider;
    if (accessKeyId && secretAccessKey) {
      const sessionToken = present(credentials.sessionToken);
      const keys: AwsCredentials = {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken ? { sessionToken } : {}),
      };
      credentialProvider = async () => keys;
    }
    if (!apiKey && !credentialProvider) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model bedrock:${modelId} has no AWS credentials.`,
          'Set AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure an AWS credential provider (profile, SSO or instance role) in the server.',
        ),
      };
    }
    const provider = createAmazonBedrock({
      region,
      apiKey: apiKey ?? '',
      baseURL:
        baseUrl ??
        `https://bedrock-runtime.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`,
      ...(credentialProvider ? { credentialProvider } : {}),
      ...(fetch ? { fetch } : {}),
    });
    return { ok: true, model: provider(modelId) };
  },
};
