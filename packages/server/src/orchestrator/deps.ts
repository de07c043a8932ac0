import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { Forge } from '../ports/forge.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Db } from '../storage/db.ts';
import type { Cancellations } from './cancellations.ts';
import type { SandboxPool } from './sandboxes.ts';

/** Everything the orchestrator's steps use, passed explicitly by the composition root. */
export interface OrchestratorDeps {
  db: Db;
  forge: Forge;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  log: Logger;
  metrics: Metrics;
  cancellations: Cancellations;
  sandboxes: SandboxPool;
  config: Pick<Config, 'caps' | 'taskTimeoutS' | 'queueMaxAgeS' | 'defaultAllowlist' | 'checkpointMaxBytes'>;
  /** Every secret the platform holds (keys, tokens): scrubbed from command output before it is stored. */
  secrets: string[];
  executorId: string;
  /** Asks the dispatcher to look for tasks that can start now (a slot was freed). */
  wake(): void;
}
