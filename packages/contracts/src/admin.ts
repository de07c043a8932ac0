import { z } from 'zod';

/**
 * `GET /v1/admin/config` (admin): the configuration the server runs with, as it resolved it. Never a
 * secret: for each credential only whether it is set.
 */
export const ServerConfigInfo = z.object({
  /** The machine the server runs on, and its state folder there. */
  host: z.object({ hostname: z.string(), state_folder: z.string(), pid: z.number().int() }),
  listen: z.object({ url: z.string().nullable(), metrics_listener: z.boolean() }),
  database: z.object({
    kind: z.enum(['embedded', 'external']),
    /** Embedded: where its data is; external: host and port (no user or password). */
    location: z.string(),
  }),
  agent_runtime: z.enum(['builtin', 'fake']),
  model: z.object({
    /** `provider:model` of ABCA_MODEL, or null when unset. */
    ref: z.string().nullable(),
    provider: z.string().nullable(),
    /** The provider's endpoint when one is configured (credentials in it are masked); null: its public API. */
    base_url: z.string().nullable(),
    /** Whether the credentials of that provider are set (never the value). */
    credentials_set: z.boolean(),
    /** Every provider a repo's settings may name (credentials or an endpoint configured). */
    configured_providers: z.array(z.string()),
  }),
  sandbox: z.object({
    backend: z.enum(['bubblewrap', 'local']),
    available: z.boolean(),
    /** Why it is not available, and how to fix that. */
    reason: z.string().optional(),
    remedy: z.string().optional(),
  }),
  forges: z.array(
    z.object({
      kind: z.enum(['git', 'github', 'fake']),
      configured: z.boolean(),
      /** e.g. `token`, `app`, `stored per repo`. */
      detail: z.string(),
    }),
  ),
  channels: z.object({
    notifier: z.enum(['log', 'fake']),
    /** GitHub as a channel (docs/channels.md): what is set, never a secret's value. */
    github: z
      .object({
        webhook_secret_set: z.boolean(),
        /** A GitHub token or App: needed to check senders and answer on GitHub. */
        api_configured: z.boolean(),
        bot_login: z.string(),
        /** The ABCA user unlinked senders act as; null: they get a reply and no task. */
        unlinked_user: z.string().nullable(),
      })
      .optional(),
    /** Slack (docs/channels.md): which settings are set, never their values. */
    slack: z
      .object({
        signing_secret_set: z.boolean(),
        bot_token_set: z.boolean(),
        api_url: z.string(),
        /** The ABCA user unlinked Slack users act as; null: they get a reply, no task. */
        unlinked_user: z.string().nullable(),
      })
      .optional(),
  }),
  caps: z.object({
    per_user: z.number().int(),
    per_repo: z.number().int(),
    global: z.number().int(),
    worker_slots: z.number().int(),
  }),
  limits: z.object({
    default_max_turns: z.number().int(),
    task_timeout_s: z.number().int(),
    queue_max_age_s: z.number().int(),
    checkpoint_max_bytes: z.number().int(),
    workspace_max_files: z.number().int(),
    work_max_file_bytes: z.number().int(),
    workspace_retention_hours: z.number(),
    /** Seconds a graceful stop waits for running tasks (ABCA_STOP_TIMEOUT_S). */
    stop_timeout_s: z.number(),
    /** Seconds a client has to send its whole request (ABCA_REQUEST_READ_TIMEOUT_S). */
    request_read_timeout_s: z.number(),
    /** The model's context window when set (ABCA_MODEL_CONTEXT_TOKENS); null: the model family's default. */
    model_context_tokens: z.number().int().nullable(),
  }),
  costs: z.object({
    /** ABCA_DEFAULT_MAX_BUDGET_USD; null: no default budget. */
    default_max_budget_usd: z.number().nullable(),
    /** Models the operator priced (ABCA_PRICES_FILE), by key. */
    priced_models: z.array(z.string()),
  }),
  egress: z.object({ default_allowlist: z.array(z.string()), allow_private: z.array(z.string()) }),
  /** The PR watcher's settings (ABCA_PR_*; docs/pr-loop.md); absent from older servers. */
  pr_loop: z
    .object({
      poll_s: z.number().int(),
      /** The longest a quiet pull request waits between polls. */
      poll_max_s: z.number().int(),
      max_iterations: z.number().int(),
      max_spend_usd: z.number(),
      stop_label: z.string(),
    })
    .optional(),
  /** Memory's settings (ABCA_MEMORY_*; docs/memory.md); absent from older servers. */
  memory: z
    .object({
      /** Characters the memory section of a prompt may take (0: no memory in prompts). */
      budget_chars: z.number().int(),
      /** Days a record nobody pinned or used lives. */
      fade_days: z.number().int(),
      /** The learning steps' model (ABCA_MEMORY_MODEL, else ABCA_MODEL); null: none configured. */
      model: z.string().nullable(),
      /** Whether tasks and reviews are learned from (ABCA_MEMORY_LEARNING). */
      learning: z.boolean(),
    })
    .optional(),
});
export type ServerConfigInfo = z.infer<typeof ServerConfigInfo>;

/**
 * `POST /v1/admin/model-check` (admin): the server sends its configured model a one-token request,
 * with a time limit. `skipped` when no model is in use (the fake agent runtime).
 */
export const ModelCheckResult = z.object({
  status: z.enum(['ok', 'failed', 'skipped', 'not_configured']),
  ref: z.string().nullable(),
  /** The endpoint that was asked (credentials masked); null: the provider's public API. */
  base_url: z.string().nullable(),
  latency_ms: z.number().int().nullable(),
  /** What went wrong (no key or token in it), e.g. `MODEL_REQUEST_REJECTED: HTTP 401 ...`. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  remedy: z.string().optional(),
});
export type ModelCheckResult = z.infer<typeof ModelCheckResult>;

/**
 * `POST /v1/admin/channel-check` (admin): the server asks each configured channel's service who it
 * is (Slack: `auth.test` with the bot token), with a time limit. A channel that is not configured
 * is `not_configured`; its settings are in `GET /v1/admin/config`.
 */
export const ChannelCheck = z.object({
  channel: z.enum(['slack']),
  status: z.enum(['ok', 'failed', 'not_configured']),
  /** What the service answered (the Slack team and bot) or what went wrong; never a token. */
  detail: z.string(),
  latency_ms: z.number().int().nullable(),
  remedy: z.string().optional(),
});
export type ChannelCheck = z.infer<typeof ChannelCheck>;
export const ChannelCheckResult = z.object({ channels: z.array(ChannelCheck) });
export type ChannelCheckResult = z.infer<typeof ChannelCheckResult>;
