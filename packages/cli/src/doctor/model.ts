import type { Check } from './check.ts';

const PROVIDERS: Record<
  string,
  { need: (env: Record<string, string | undefined>) => string | undefined; fix: string }
> = {
  anthropic: {
    need: (env) => (set(env.ANTHROPIC_API_KEY) ? undefined : 'ANTHROPIC_API_KEY is not set'),
    fix: 'export ANTHROPIC_API_KEY=sk-ant-...',
  },
  openai: {
    need: (env) => (set(env.OPENAI_API_KEY) ? undefined : 'OPENAI_API_KEY is not set'),
    fix: 'export OPENAI_API_KEY=sk-...',
  },
  bedrock: {
    need: (env) =>
      (set(env.AWS_ACCESS_KEY_ID) && set(env.AWS_SECRET_ACCESS_KEY)) ||
      set(env.AWS_PROFILE) ||
      set(env.AWS_BEARER_TOKEN_BEDROCK) ||
      set(env.AWS_WEB_IDENTITY_TOKEN_FILE) ||
      set(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) ||
      set(env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
        ? undefined
        : 'no AWS credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_BEARER_TOKEN_BEDROCK or a role); an instance role may still work',
    fix: 'export AWS_PROFILE=... (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION',
  },
  'openai-compatible': {
    need: (env) =>
      set(env.ABCA_OPENAI_COMPATIBLE_BASE_URL) || set(env.ABCA_MODEL_BASE_URL)
        ? undefined
        : 'neither ABCA_OPENAI_COMPATIBLE_BASE_URL nor ABCA_MODEL_BASE_URL is set',
    fix: 'export ABCA_OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1 (your Ollama, vLLM... server; ABCA_MODEL_API_KEY if it needs a key)',
  },
};

function set(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== '';
}

/** ABCA_MODEL is `provider:model` and the provider's credentials are present. Unset is a warning: the fake runtime works without. */
export const checkModel: Check = async ({ env }) => {
  const model = env.ABCA_MODEL?.trim();
  const name = 'model';
  if (!model) {
    const fake = env.ABCA_AGENT_RUNTIME?.trim() === 'fake';
    return {
      name,
      status: 'warn',
      detail: fake
        ? 'ABCA_MODEL is not set; fine with ABCA_AGENT_RUNTIME=fake (the fake agent makes no real changes)'
        : 'ABCA_MODEL is not set: tasks will fail with MODEL_NOT_CONFIGURED (or set ABCA_AGENT_RUNTIME=fake to try ABCA without a model)',
      fix: 'export ABCA_MODEL=anthropic:claude-sonnet-4-5 and ANTHROPIC_API_KEY (or openai:..., bedrock:..., openai-compatible:...)',
    };
  }
  const m = /^([a-z-]+):(.+)$/.exec(model);
  const provider = m?.[1];
  const spec = provider ? PROVIDERS[provider] : undefined;
  if (!m || !provider || !spec) {
    return {
      name,
      status: 'fail',
      detail: `ABCA_MODEL=${model} is not provider:model with provider one of ${Object.keys(PROVIDERS).join(', ')}`,
      fix: 'export ABCA_MODEL=anthropic:claude-sonnet-4-5 (or openai:gpt-5, bedrock:..., openai-compatible:llama3.1)',
    };
  }
  const missing = spec.need(env);
  if (missing) return { name, status: 'warn', detail: `${model}: ${missing}`, fix: spec.fix };
  return { name, status: 'ok', detail: `${model} (credentials present)` };
};
