import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Orchestrator } from '../orchestrator/engine.ts';
import type { Db } from '../storage/db.ts';
import type { Principal } from '../store/api-key-store.ts';
import type { EventBus } from './event-bus.ts';

export interface ApiDeps {
  db: Db;
  log: Logger;
  metrics: Metrics;
  orchestrator: Pick<Orchestrator, 'admit' | 'cancel'>;
  events: EventBus;
  /** `model` and `modelProviders`: which providers a repo's `settings.model` may name. */
  config: Pick<Config, 'caps' | 'defaultMaxTurns' | 'model' | 'modelProviders'>;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    log: Logger;
  };
};
