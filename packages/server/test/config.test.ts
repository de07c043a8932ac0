import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { defaultMaxTasks } from '../src/config/default-slots.ts';
import { configuredProviders } from '../src/config/model-providers.ts';

describe('configuration', () => {
  it('has sane defaults', () => {
    const c = loadConfig({ ABCA_HOME: '/tmp/x' });
    expect(c).toMatchObject({
      home: '/tmp/x',
      port: 8787,
      caps: { perUser: 3, perRepo: 5, global: 2 * availableParallelism() },
      agentRuntime: 'builtin',
      sandbox: 'bubblewrap',
      notifier: 'log',
      workspaceRetentionHours: 24,
    });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('runs two tasks per core at once unless ABCA_MAX_TASKS says otherwise', () => {
    expect(defaultMaxTasks(1)).toBe(2);
    expect(defaultMaxTasks(2)).toBe(4);
    expect(defaultMaxTasks(16)).toBe(32);
    // A container that reports no core still runs tasks.
    expect(defaultMaxTasks(0)).toBe(2);
    expect(loadConfig({ ABCA_HOME: '/tmp/x' }).caps.global).toBe(defaultMaxTasks(availableParallelism()));
    expect(loadConfig({ ABCA_HOME: '/tmp/x', ABCA_MAX_TASKS: '10' }).caps.global).toBe(10);
    expect(loadConfig({ ABCA_HOME: '/tmp/x', ABCA_MAX_TASKS: '1' }).caps.global).toBe(1);
    expect(() => loadConfig({ ABCA_HOME: '/tmp/x', ABCA_MAX_TASKS: 'many' })).toThrow(
      /ABCA_MAX_TASKS must be a whole number/,
    );
  });

  it('names each bad variable and what it must be', () => {
    try {
      loadConfig({
        ABCA_PORT: 'eighty',
        ABCA_MAX_TASKS_PER_USER: '0',
        DATABASE_URL: 'mysql://x',
        ABCA_LOG_LEVEL: 'loud',
        ABCA_WORKSPACE_RETENTION_HOURS: '-1',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toContain('ABCA_PORT');
      expect(text).toContain('ABCA_MAX_TASKS_PER_USER must be greater than 0');
      expect(text).toContain('DATABASE_URL must start with postgres://');
      expect(text).toContain('ABCA_LOG_LEVEL');
      expect(text).toContain('ABCA_WORKSPACE_RETENTION_HOURS must be 0 or more');
      expect((err as ConfigError).problems).toHaveLength(5);
    }
  });

  it('looks at the shared task queue once a second by default, and names a bad interval', () => {
    expect(loadConfig({}).queuePollMs).toBe(1000);
    expect(loadConfig({ ABCA_QUEUE_POLL_MS: '100' }).queuePollMs).toBe(100);
    expect(() => loadConfig({ ABCA_QUEUE_POLL_MS: '0' })).toThrow(
      /ABCA_QUEUE_POLL_MS must be greater than 0/,
    );
    expect(() => loadConfig({ ABCA_QUEUE_POLL_MS: '60001' })).toThrow(
      /ABCA_QUEUE_POLL_MS must be at most 60000/,
    );
    expect(() => loadConfig({ ABCA_QUEUE_POLL_MS: 'often' })).toThrow(
      /ABCA_QUEUE_POLL_MS must be a whole number/,
    );
  });

  it('reads the model context window, unset by default, and names a bad one', () => {
    expect(loadConfig({}).modelContextTokens).toBeUndefined();
    expect(loadConfig({ ABCA_MODEL_CONTEXT_TOKENS: '32768' }).modelContextTokens).toBe(32_768);
    expect(() => loadConfig({ ABCA_MODEL_CONTEXT_TOKENS: '200' })).toThrow(
      /ABCA_MODEL_CONTEXT_TOKENS must be at least 1000 tokens/,
    );
    expect(() => loadConfig({ ABCA_MODEL_CONTEXT_TOKENS: 'lots' })).toThrow(
      /ABCA_MODEL_CONTEXT_TOKENS must be a whole number of tokens/,
    );
  });

  it('reads the request read deadline in seconds: 15 by default, a bad one named', () => {
    expect(loadConfig({}).requestReadTimeoutS).toBe(15);
    expect(loadConfig({ ABCA_REQUEST_READ_TIMEOUT_S: '2.5' }).requestReadTimeoutS).toBe(2.5);
    expect(() => loadConfig({ ABCA_REQUEST_READ_TIMEOUT_S: '0' })).toThrow(
      /ABCA_REQUEST_READ_TIMEOUT_S must be at least 1/,
    );
    expect(() => loadConfig({ ABCA_REQUEST_READ_TIMEOUT_S: 'soon' })).toThrow(
      /ABCA_REQUEST_READ_TIMEOUT_S must be a number/,
    );
  });

  it('treats blank values as unset and refuses a stale window shorter than two heartbeats', () => {
    expect(loadConfig({ ABCA_PORT: ' ', DATABASE_URL: '' }).port).toBe(8787);
    expect(() => loadConfig({ ABCA_HEARTBEAT_MS: '5000', ABCA_EXECUTOR_STALE_MS: '6000' })).toThrow(
      /more than twice ABCA_HEARTBEAT_MS/,
    );
  });

  it('reads the private ranges sandboxes may reach, none by default, and names a malformed one', () => {
    expect(loadConfig({}).egressAllowPrivate).toEqual([]);
    expect(
      loadConfig({ ABCA_EGRESS_ALLOW_PRIVATE: ' 10.0.0.0/8, fd00::/8 ,,192.168.1.5' }).egressAllowPrivate,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.5']);
    try {
      loadConfig({ ABCA_EGRESS_ALLOW_PRIVATE: '10.0.0.0/8,10.0.0.0/33,intranet' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'ABCA_EGRESS_ALLOW_PRIVATE: "10.0.0.0/33" is not a CIDR range such as 10.0.0.0/8 or fd00::/8',
        'ABCA_EGRESS_ALLOW_PRIVATE: "intranet" is not a CIDR range such as 10.0.0.0/8 or fd00::/8',
      ]);
    }
  });

  describe('model providers', () => {
    const KEYS = {
      ANTHROPIC_API_KEY: 'sk-ant-1',
      OPENAI_API_KEY: 'sk-openai-1',
      ABCA_MODEL_API_KEY: 'local-1',
    };

    it('keeps each provider’s key and base URL under that provider', () => {
      const c = loadConfig({
        ...KEYS,
        ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
        ABCA_ANTHROPIC_BASE_URL: 'https://llm-gateway.example.com/anthropic/v1',
        ABCA_OPENAI_BASE_URL: 'https://llm-gateway.example.com/openai/v1',
        ABCA_OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
        ABCA_BEDROCK_BASE_URL: 'https://bedrock.vpce.example.com',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_BEARER_TOKEN_BEDROCK: 'bedrock-key',
      });
      expect(c.modelProviders).toEqual({
        credentials: {
          anthropic: { apiKey: 'sk-ant-1' },
          openai: { apiKey: 'sk-openai-1' },
          bedrock: { region: 'eu-west-1', apiKey: 'bedrock-key' },
          'openai-compatible': { apiKey: 'local-1' },
        },
        baseUrls: {
          anthropic: 'https://llm-gateway.example.com/anthropic/v1',
          openai: 'https://llm-gateway.example.com/openai/v1',
          bedrock: 'https://bedrock.vpce.example.com',
          'openai-compatible': 'http://127.0.0.1:11434/v1',
        },
      });
      expect(configuredProviders(c)).toEqual(['anthropic', 'openai', 'bedrock', 'openai-compatible']);
    });

    it('applies ABCA_MODEL_BASE_URL to the provider of ABCA_MODEL only', () => {
      const c = loadConfig({
        ...KEYS,
        ABCA_MODEL: 'openai-compatible:qwen3',
        ABCA_MODEL_BASE_URL: 'http://127.0.0.1:8000/v1',
      });
      expect(c.modelProviders.baseUrls).toEqual({ 'openai-compatible': 'http://127.0.0.1:8000/v1' });
      const a = loadConfig({
        ...KEYS,
        ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
        ABCA_MODEL_BASE_URL: 'http://p/v1',
      });
      expect(a.modelProviders.baseUrls).toEqual({ anthropic: 'http://p/v1' });
      // The same URL in both places is no conflict (a trailing slash aside).
      const same = loadConfig({
        ABCA_MODEL: 'openai:gpt-4o',
        ABCA_MODEL_BASE_URL: 'http://p/v1/',
        ABCA_OPENAI_BASE_URL: 'http://p/v1',
      });
      expect(same.modelProviders.baseUrls).toEqual({ openai: 'http://p/v1' });
    });

    it('refuses ABCA_MODEL_BASE_URL that differs from the provider’s own variable, or with no ABCA_MODEL', () => {
      expect(() =>
        loadConfig({
          ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
          ABCA_MODEL_BASE_URL: 'http://a/v1',
          ABCA_ANTHROPIC_BASE_URL: 'http://b/v1',
        }),
      ).toThrow(/ABCA_MODEL_BASE_URL and ABCA_ANTHROPIC_BASE_URL both set the endpoint of anthropic/);
      expect(() =>
        loadConfig({ ABCA_MODEL_BASE_URL: 'http://a/v1', ABCA_OPENAI_COMPATIBLE_BASE_URL: 'http://b/v1' }),
      ).toThrow(
        /ABCA_MODEL_BASE_URL applies only to the provider named in ABCA_MODEL, and ABCA_MODEL is not set/,
      );
      // Another provider's own variable is no conflict: it points that provider elsewhere.
      expect(
        loadConfig({
          ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
          ABCA_MODEL_BASE_URL: 'http://a/v1',
          ABCA_OPENAI_COMPATIBLE_BASE_URL: 'http://b/v1',
        }).modelProviders.baseUrls,
      ).toEqual({ anthropic: 'http://a/v1', 'openai-compatible': 'http://b/v1' });
    });

    it('names each bad base URL variable', () => {
      try {
        loadConfig({
          ABCA_ANTHROPIC_BASE_URL: 'not a url',
          ABCA_OPENAI_BASE_URL: 'file:///etc/passwd',
          ABCA_BEDROCK_BASE_URL: 'bedrock',
          ABCA_OPENAI_COMPATIBLE_BASE_URL: 'localhost:11434',
          ABCA_MODEL_BASE_URL: 'ftp://x',
        });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        const problems = (err as ConfigError).problems;
        for (const name of [
          'ABCA_ANTHROPIC_BASE_URL',
          'ABCA_OPENAI_BASE_URL',
          'ABCA_BEDROCK_BASE_URL',
          'ABCA_OPENAI_COMPATIBLE_BASE_URL',
          'ABCA_MODEL_BASE_URL',
        ]) {
          expect(problems, name).toContainEqual(
            expect.stringMatching(new RegExp(`^${name} must be an http\\(s\\) URL`)),
          );
        }
        expect(problems).toHaveLength(5);
      }
    });

    it('counts as configured the provider of ABCA_MODEL and each provider with credentials', () => {
      expect(configuredProviders(loadConfig({}))).toEqual([]);
      expect(configuredProviders(loadConfig({ ABCA_MODEL: 'bedrock:m' }))).toEqual(['bedrock']);
      expect(configuredProviders(loadConfig({ ANTHROPIC_API_KEY: 'k' }))).toEqual(['anthropic']);
      // openai-compatible needs its base URL; its key alone configures nothing.
      expect(configuredProviders(loadConfig({ ABCA_MODEL_API_KEY: 'k' }))).toEqual([]);
      expect(configuredProviders(loadConfig({ AWS_ACCESS_KEY_ID: 'AKIA' }))).toEqual([]);
      expect(
        configuredProviders(loadConfig({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' })),
      ).toEqual(['bedrock']);
      expect(
        configuredProviders(
          loadConfig({
            ABCA_MODEL: 'openai-compatible:scripted',
            ABCA_MODEL_BASE_URL: 'http://127.0.0.1:9/v1',
            OPENAI_API_KEY: 'k',
          }),
        ),
      ).toEqual(['openai', 'openai-compatible']);
    });
  });

  it('lets command-line overrides win', () => {
    expect(loadConfig({ ABCA_PORT: '1234' }, { port: 4321 }).port).toBe(4321);
  });
});
