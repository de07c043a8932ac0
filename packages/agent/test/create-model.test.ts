import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreateModelOptions, createModel, type ProviderCredentials } from '../src/index.ts';

const fail = (
  ref: string,
  credentials: ProviderCredentials,
  rest: Omit<CreateModelOptions, 'credentials'> = {},
) => {
  const result = createModel(ref, { credentials, ...rest });
  if (result.ok) throw new Error(`expected ${ref} to fail`);
  return result.error;
};

describe('createModel', () => {
  it('builds each provider from its own credentials', () => {
    const options: CreateModelOptions = {
      credentials: {
        anthropic: { apiKey: 'a' },
        openai: { apiKey: 'o' },
        bedrock: { region: 'us-east-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's' },
      },
      baseUrls: { 'openai-compatible': 'http://127.0.0.1:11434/v1' },
    };
    for (const ref of [
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-4o',
      'bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0',
      'openai-compatible:qwen3:8b',
    ]) {
      const result = createModel(ref, options);
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

  it("names the missing key and how to set it; another provider's key does not count", () => {
    expect(fail('anthropic:claude-sonnet-4-5', { openai: { apiKey: 'sk-openai' } }).remedy).toContain(
      'ANTHROPIC_API_KEY',
    );
    expect(fail('openai:gpt-4o', { openai: { apiKey: '  ' }, anthropic: { apiKey: 'k' } }).remedy).toContain(
      'OPENAI_API_KEY',
    );
  });

  it("openai-compatible needs its own base URL: another provider's URL, or a global one, does not count", () => {
    const anthropicOnly = { baseUrls: { anthropic: 'http://127.0.0.1:9/v1' } };
    expect(fail('openai-compatible:llama3', {}, anthropicOnly).remedy).toContain(
      'ABCA_OPENAI_COMPATIBLE_BASE_URL',
    );
    // The old option `baseUrl` (one URL for every provider) no longer exists and is ignored.
    const legacy = { baseUrl: 'http://127.0.0.1:9/v1' } as Omit<CreateModelOptions, 'credentials'>;
    expect(fail('openai-compatible:llama3', {}, legacy).code).toBe('MODEL_NOT_CONFIGURED');
    expect(
      createModel('openai-compatible:llama3', {
        credentials: {},
        baseUrls: { 'openai-compatible': 'http://localhost:8000/v1' },
      }).ok,
    ).toBe(true);
  });

  describe('bedrock configuration errors', () => {
    it('needs a region', () => {
      expect(
        fail('bedrock:anthropic.claude-3-5-haiku', { bedrock: { accessKeyId: 'x', secretAccessKey: 'y' } })
          .remedy,
      ).toContain('AWS_REGION');
    });
    it('needs credentials', () => {
      const error = fail('bedrock:anthropic.claude-3-5-haiku', { bedrock: { region: 'eu-west-1' } });
      expect(error.message).toContain('no AWS credentials');
      expect(error.remedy).toContain('AWS_BEARER_TOKEN_BEDROCK');
    });
    it('needs the secret next to the access key id', () => {
      expect(fail('bedrock:m', { bedrock: { region: 'eu-west-1', accessKeyId: 'AKIA' } }).message).toContain(
        'AWS_SECRET_ACCESS_KEY',
      );
    });
    it('accepts a Bedrock API key or a credential provider', () => {
      expect(
        createModel('bedrock:m', { credentials: { bedrock: { region: 'us-west-2', apiKey: 'k' } } }).ok,
      ).toBe(true);
      const viaChain = createModel('bedrock:m', {
        credentials: {
          bedrock: {
            region: 'us-west-2',
            credentialProvider: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
          },
        },
      });
      expect(viaChain.ok).toBe(true);
    });
    it('signs requests with its own credentials and sends them to its own endpoint', async () => {
      const seen: { url: string; headers: Headers }[] = [];
      const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
        seen.push({ url: String(url), headers: new Headers(init?.headers) });
        return new Response(JSON.stringify({ message: 'denied' }), { status: 403 });
      }) as typeof fetch;
      const created = createModel('bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', {
        credentials: {
          bedrock: { region: 'us-east-1', accessKeyId: 'AKIDEXAMPLEKEY000001', secretAccessKey: 'secret' },
          anthropic: { apiKey: 'sk-ant-not-for-bedrock' },
        },
        baseUrls: { bedrock: 'http://bedrock.internal.example:8080', anthropic: 'http://anthropic.example' },
        fetch: fakeFetch,
      });
      if (!created.ok) throw new Error(created.error.message);
      await expect(
        generateText({ model: created.value.model, prompt: 'hi', maxRetries: 0 }),
      ).rejects.toThrow();
      expect(seen[0]?.url.startsWith('http://bedrock.internal.example:8080/')).toBe(true);
      expect(seen[0]?.headers.get('authorization')).toContain('Credential=AKIDEXAMPLEKEY000001/');
      expect(JSON.stringify([...(seen[0]?.headers.entries() ?? [])])).not.toContain('sk-ant-not-for-bedrock');
    });
  });
});

describe('a provider key goes only to that provider’s endpoint', () => {
  const KEYS = {
    anthropic: 'sk-ant-only-for-anthropic-1a2b3c',
    openai: 'sk-openai-only-for-openai-4d5e6f',
    'openai-compatible': 'sk-local-only-for-compatible-7a8b9c',
  } as const;
  const servers: Partial<Record<keyof typeof KEYS, ScriptedModelServer>> = {};
  const server = (id: keyof typeof KEYS) => servers[id] as ScriptedModelServer;
  beforeAll(async () => {
    for (const id of Object.keys(KEYS) as (keyof typeof KEYS)[])
      servers[id] = await createScriptedModelServer();
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.close();
  });

  it('each client built from the same maps sends only its own key, to its own URL', async () => {
    const options: CreateModelOptions = {
      credentials: {
        anthropic: { apiKey: KEYS.anthropic },
        openai: { apiKey: KEYS.openai },
        'openai-compatible': { apiKey: KEYS['openai-compatible'] },
      },
      baseUrls: {
        anthropic: server('anthropic').baseUrl,
        openai: server('openai').baseUrl,
        'openai-compatible': server('openai-compatible').baseUrl,
      },
    };
    const refs = {
      anthropic: 'anthropic:claude-sonnet-4-5',
      openai: 'openai:gpt-4o',
      'openai-compatible': 'openai-compatible:scripted',
    } as const;
    for (const id of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      server(id).script(reply().text(`hello from ${id}`));
      const created = createModel(refs[id], options);
      if (!created.ok) throw new Error(created.error.message);
      const answer = await generateText({ model: created.value.model, prompt: 'hi', maxRetries: 0 });
      expect(answer.text).toBe(`hello from ${id}`);
    }
    for (const id of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      const requests = server(id).requests;
      expect(requests, id).toHaveLength(1);
      const headers = requests[0]?.headers ?? {};
      const credential = id === 'anthropic' ? headers['x-api-key'] : headers.authorization;
      expect(credential, id).toBe(id === 'anthropic' ? KEYS[id] : `Bearer ${KEYS[id]}`);
      const seen = JSON.stringify(headers) + (requests[0]?.rawBody ?? '');
      for (const other of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
        if (other !== id) expect(seen, `${other}'s key at ${id}'s URL`).not.toContain(KEYS[other]);
      }
    }
  });
});
