import { describe, expect, it } from 'vitest';
import { createModel } from '../src/index.ts';

const fail = (ref: string, env: Record<string, string | undefined>, baseUrl?: string) => {
  const result = createModel(ref, { env, ...(baseUrl ? { baseUrl } : {}) });
  if (result.ok) throw new Error(`expected ${ref} to fail`);
  return result.error;
};

describe('createModel', () => {
  it('builds each provider from explicit env only', () => {
    const env = {
      ANTHROPIC_API_KEY: 'a',
      OPENAI_API_KEY: 'o',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 's',
      ABCA_MODEL_BASE_URL: 'http://127.0.0.1:11434/v1',
    };
    for (const ref of [
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-4o',
      'bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0',
      'openai-compatible:qwen3:8b',
    ]) {
      const result = createModel(ref, { env });
      expect(result.ok, ref).toBe(true);
      if (result.ok) expect(`${result.value.provider}:${result.value.modelId}`).toBe(ref);
    }
  });

  it('rejects an unknown provider and a malformed reference', () => {
    expect(fail('mistral:large', {})).toMatchObject({
      code: 'MODEL_NOT_CONFIGURED',
      message: expect.stringContaining('mistral'),
    });
    expect(fail('gpt-4o', {}).remedy).toContain('provider:model');
    expect(fail('openai:', {}).code).toBe('MODEL_NOT_CONFIGURED');
  });

  it('names the missing key and how to set it', () => {
    expect(fail('anthropic:claude-sonnet-4-5', {}).remedy).toContain('ANTHROPIC_API_KEY');
    expect(fail('openai:gpt-4o', { OPENAI_API_KEY: '  ' }).remedy).toContain('OPENAI_API_KEY');
  });

  it('openai-compatible needs a base URL', () => {
    expect(fail('openai-compatible:llama3', {}).remedy).toContain('ABCA_MODEL_BASE_URL');
    expect(createModel('openai-compatible:llama3', { env: {}, baseUrl: 'http://localhost:8000/v1' }).ok).toBe(
      true,
    );
  });

  describe('bedrock configuration errors', () => {
    it('needs a region', () => {
      expect(
        fail('bedrock:anthropic.claude-3-5-haiku', { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' })
          .remedy,
      ).toContain('AWS_REGION');
    });
    it('needs credentials', () => {
      const error = fail('bedrock:anthropic.claude-3-5-haiku', { AWS_REGION: 'eu-west-1' });
      expect(error.message).toContain('no AWS credentials');
      expect(error.remedy).toContain('AWS_BEARER_TOKEN_BEDROCK');
    });
    it('needs the secret next to the access key id', () => {
      expect(
        fail('bedrock:m', { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIA' }).message,
      ).toContain('AWS_SECRET_ACCESS_KEY');
    });
    it('accepts a Bedrock API key or an injected credential provider', () => {
      expect(
        createModel('bedrock:m', { env: { AWS_REGION: 'us-west-2', AWS_BEARER_TOKEN_BEDROCK: 'k' } }).ok,
      ).toBe(true);
      const viaChain = createModel('bedrock:m', {
        env: { AWS_REGION: 'us-west-2' },
        awsCredentialProvider: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      });
      expect(viaChain.ok).toBe(true);
    });
    it('signs requests with the credentials from the passed env, not process.env', async () => {
      const seen: Headers[] = [];
      const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
        seen.push(new Headers(init?.headers));
        return new Response(JSON.stringify({ message: 'denied' }), { status: 403 });
      }) as typeof fetch;
      const created = createModel('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', {
        env: {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLEKEY000001',
          AWS_SECRET_ACCESS_KEY: 'secret',
        },
        fetch: fakeFetch,
      });
      if (!created.ok) throw new Error(created.error.message);
      const { generateText } = await import('ai');
      await expect(
        generateText({ model: created.value.model, prompt: 'hi', maxRetries: 0 }),
      ).rejects.toThrow();
      expect(seen[0]?.get('authorization')).toContain('Credential=AKIDEXAMPLEKEY000001/');
    });
  });
});
