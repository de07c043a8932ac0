import { splitModelRef } from '@abca/agent/without-models';
import type { ServerConfigInfo } from '@abca/contracts';
import type { Config } from './config.ts';
import { configuredProviders } from './model-providers.ts';

/** What the running platform knows beyond its configuration. */
export interface RuntimeFacts {
  url: string | undefined;
  pid: number;
  /** Where the embedded PostgreSQL keeps its data; undefined with DATABASE_URL. */
  embeddedDataDir: string | undefined;
  sandbox: { ok: boolean; reason?: string | undefined; remedy?: string | undefined };
}

/** The effective configuration as the admin API shows it: every setting, no secret (only whether one is set). */
export function effectiveConfig(config: Config, facts: RuntimeFacts): ServerConfigInfo {
  const provider = config.model ? (splitModelRef(config.model)?.provider ?? null) : null;
  const creds = config.modelProviders.credentials;
  const credentialsSet: Record<string, boolean> = {
    anthropic: Boolean(creds.anthropic.apiKey),
    openai: Boolean(creds.openai.apiKey),
    bedrock: Boolean(
      creds.bedrock.apiKey ||
        (creds.bedrock.accessKeyId && creds.bedrock.secretAccessKey) ||
        config.modelEnv.AWS_PROFILE,
    ),
    // A local server (Ollama, vLLM) often needs no key: its endpoint is what must be set.
    'openai-compatible': Boolean(config.modelProviders.baseUrls['openai-compatible']),
  };
  const baseUrls = config.modelProviders.baseUrls as Record<string, string | undefined>;
  const gh = config.github;
  return {
    host: { hostname: config.hostname, state_folder: config.home, pid: facts.pid },
    listen: { url: facts.url ?? null, metrics_listener: config.metricsPort !== undefined },
    database: config.databaseUrl
      ? { kind: 'external', location: databaseLocation(config.databaseUrl) }
      : { kind: 'embedded', location: facts.embeddedDataDir ?? 'not started' },
    agent_runtime: config.agentRuntime,
    model: {
      ref: config.model ?? null,
      provider,
      base_url: provider ? maskUrl(baseUrls[provider]) : null,
      credentials_set: provider ? (credentialsSet[provider] ?? false) : false,
      configured_providers: configuredProviders(config),
    },
    sandbox: {
      backend: config.sandbox,
      available: facts.sandbox.ok,
      ...(facts.sandbox.reason ? { reason: facts.sandbox.reason } : {}),
      ...(facts.sandbox.remedy ? { remedy: facts.sandbox.remedy } : {}),
    },
    forges: [
      { kind: 'git', configured: true, detail: 'plain git remotes; credentials stored per repo' },
      {
        kind: 'github',
        configured: gh.appId !== undefined || gh.token !== undefined,
        detail:
          gh.appId !== undefined
            ? `GitHub App ${gh.appId}${gh.apiUrl ? ` at ${gh.apiUrl}` : ''}`
            : gh.token
              ? `token${gh.apiUrl ? ` at ${gh.apiUrl}` : ''}`
              : 'no ABCA_GITHUB_TOKEN or GitHub App: GitHub repos fail pre-flight',
      },
      { kind: 'fake', configured: true, detail: 'for tests and demos' },
    ],
    channels: {
      notifier: config.notifier,
      github: {
        webhook_secret_set: config.channels.github.webhookSecret !== undefined,
        api_configured: gh.appId !== undefined || gh.token !== undefined,
        bot_login: config.channels.github.botLogin,
        unlinked_user: config.channels.github.unlinkedUser ?? null,
      },
      slack: {
        signing_secret_set: config.channels.slack.signingSecret !== undefined,
        bot_token_set: config.channels.slack.botToken !== undefined,
        api_url: config.channels.slack.apiUrl,
        unlinked_user: config.channels.slack.unlinkedUser ?? null,
      },
    },
    caps: {
      per_user: config.caps.perUser,
      per_repo: config.caps.perRepo,
      global: config.caps.global,
      worker_slots: config.workerSlots,
    },
    limits: {
      default_max_turns: config.defaultMaxTurns,
      task_timeout_s: config.taskTimeoutS,
      queue_max_age_s: config.queueMaxAgeS,
      checkpoint_max_bytes: config.checkpointMaxBytes,
      workspace_max_files: config.workspaceMaxFiles,
      work_max_file_bytes: config.workMaxFileBytes,
      workspace_retention_hours: config.workspaceRetentionHours,
      stop_timeout_s: config.stopTimeoutS,
      request_read_timeout_s: config.requestReadTimeoutS,
      model_context_tokens: config.modelContextTokens ?? null,
    },
    pr_loop: {
      poll_s: config.prLoop.pollS,
      poll_max_s: Math.max(config.prLoop.pollS, config.prLoop.pollMaxS),
      max_iterations: config.prLoop.maxIterations,
      max_spend_usd: config.prLoop.maxSpendUsd,
      stop_label: config.prLoop.stopLabel,
    },
    memory: {
      budget_chars: config.memory.budgetChars,
      fade_days: config.memory.fadeDays,
      model: config.memory.model ?? config.model ?? null,
      learning: config.memory.learning,
    },
    costs: {
      default_max_budget_usd: config.defaultMaxBudgetUsd ?? null,
      priced_models: Object.keys(config.prices ?? {}).sort(),
    },
    egress: { default_allowlist: config.defaultAllowlist, allow_private: config.egressAllowPrivate },
  };
}

/** An endpoint for display: user and password masked. */
export function maskUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.username) u.username = '****';
    if (u.password) u.password = '****';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable)';
  }
}

/** `host:port/database` of a DATABASE_URL: no user, no password, no options. */
function databaseLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
