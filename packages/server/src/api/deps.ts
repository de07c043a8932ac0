import type { ChannelCheck, ModelCheckResult, ServerConfigInfo } from '@abca/contracts';
import type { RateLimiter } from '../channels/rate-limit.ts';
import type { WebhookSecrets } from '../channels/webhook/webhook-secrets.ts';
import type { Config } from '../config/config.ts';
import type { ChangeRequestMerger } from '../git/merge-change-request.ts';
import type { RepoVerifier } from '../onboarding/verify-repo.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Orchestrator } from '../orchestrator/engine.ts';
import type { EnvCacheAdmin } from '../ports/env-cache.ts';
import type { Memory } from '../ports/memory.ts';
import type { RepoCredentials } from '../secrets/repo-credentials.ts';
import type { Db } from '../storage/db.ts';
import type { Principal } from '../store/api-key-store.ts';
import type { EventBus } from './event-bus.ts';

export interface ApiDeps {
  db: Db;
  log: Logger;
  metrics: Metrics;
  orchestrator: Pick<Orchestrator, 'admit' | 'cancel' | 'create'>;
  events: EventBus;
  /** Seals the git credentials admins give with repos (never read back through the API). */
  credentials: RepoCredentials;
  /** Checks a repo's remote before it is onboarded (POST, and a PATCH that moves it). */
  repoVerifier: RepoVerifier;
  /**
   * `model` and `modelProviders`: which providers a repo's `settings.model` may name;
   * `metricsPort` set: metrics are served on their own listener, not on the API;
   * `defaultMaxBudgetUsd` and `prices`: a new task's budget, and whether its model is priced;
   * `executorStaleMs`: when a worker's heartbeat is late enough to call it silent (dashboard health).
   */
  config: Pick<
    Config,
    | 'caps'
    | 'defaultMaxTurns'
    | 'model'
    | 'modelProviders'
    | 'metricsPort'
    | 'defaultMaxBudgetUsd'
    | 'prices'
    | 'channels'
    | 'github'
    | 'executorStaleMs'
  >;
  /** The repos' memory (`/v1/repos/{repo}/memory`, docs/memory.md). */
  memory: Memory;
  /** Deliveries a minute per channel source (channels/rate-limit.ts). */
  channelLimiter: RateLimiter;
  /** Seals and opens the secrets of signed generic webhooks (channels/webhook/). */
  webhookSecrets: WebhookSecrets;
  /** Merges a plain-git change request on its remote (`POST /v1/prs/{number}/merge`). */
  changeRequestMerger: ChangeRequestMerger;
  /** The environment cache of this host, the operator's side (`/v1/admin/env-cache`, docs/env-cache.md). */
  envCache: EnvCacheAdmin;
  /** What `/v1/admin/*` reports: the effective configuration and a live check of the model. */
  admin: AdminInfo;
}

export interface AdminInfo {
  config(): Promise<ServerConfigInfo>;
  /** Asks the configured model for one token, with a time limit; never throws. */
  checkModel(): Promise<ModelCheckResult>;
  /** Asks each configured channel's service who ABCA is there (Slack: auth.test); never throws. */
  checkChannels(): Promise<ChannelCheck[]>;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    log: Logger;
    /** The parsed JSON body, once read (json-body.ts). */
    jsonBody: { value: unknown };
  };
};
