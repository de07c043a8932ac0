import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { modelNotConfigured } from '../../errors.ts';
import { type AwsCredentials, envValue, type ProviderAdapter } from '../provider-adapter.ts';

/**
 * Amazon Bedrock (Converse API). Region from `AWS_REGION` or `AWS_DEFAULT_REGION`. Credentials, in
 * order: a Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`), static or temporary keys
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the injected
 * `awsCredentialProvider` (profiles, SSO, instance roles). Every setting is passed explicitly (an
 * empty API key, an explicit endpoint, a credential provider) because the SDK would otherwise read
 * `process.env` itself.
 */
export const bedrockProvider: ProviderAdapter = {
  id: 'bedrock',
  envVars: [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_BEARER_TOKEN_BEDROCK',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
  ],
  create(modelId, options) {
    const { env } = options;
    const region = envValue(env, 'AWS_REGION', 'AWS_DEFAULT_REGION');
    if (!region) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model bedrock:${modelId} needs an AWS region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set.`,
          'Set AWS_REGION to the region where the model is enabled in Bedrock, e.g. us-east-1.',
        ),
      };
    }
    const apiKey = envValue(env, 'AWS_BEARER_TOKEN_BEDROCK');
    const accessKeyId = envValue(env, 'AWS_ACCESS_KEY_ID');
    const secretAccessKey = envValue(env, 'AWS_SECRET_ACCESS_KEY');
    if (accessKeyId && !secretAccessKey) {
      return {
        ok: false,
        error: modelNotConfigured(
          `Model bedrock:${modelId}: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not.`,
          'Set AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials) next to AWS_ACCESS_KEY_ID.',
        ),
      };
    }
    let credentialProvider: (() => PromiseLike<AwsCredentials>) | undefined = options.awsCredentialProvider;
    if (accessKeyId && secretAccessKey) {
      const sessionToken = envValue(env, 'AWS_SESSION_TOKEN');
      const credentials: AwsCredentials = {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken ? { sessionToken } : {}),
      };
      credentialProvider = async () => credentials;
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
        options.baseUrl ??
        envValue(env, 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_ENDPOINT_URL') ??
        `https://bedrock-runtime.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`,
      ...(credentialProvider ? { credentialProvider } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { ok: true, model: provider(modelId) };
  },
};
