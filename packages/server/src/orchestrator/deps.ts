import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { EnvCache } from '../ports/env-cache.ts';
import type { Forge } from '../ports/forge.ts';
import type { Memory } from '../ports/memory.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Workspaces } from '../ports/workspaces.ts';
import type { Db } from '../storage/db.ts';
import type { Cancellations } from './cancellations.ts';
import type { Drain } from './drain.ts';
import type { SandboxPool } from './workspace/sandbox-pool.ts';
import type { TaskWorkspaces } from './workspace/task-workspace.ts';

/** Everything the orchestrator's steps use, passed explicitly by the composition root. */
export interface OrchestratorDeps {
  db: Db;
  forge: Forge;
  workspaces: Workspaces;
  /** The task's workspace on this machine: made, opened as a step needs it, checkpointed. */
  taskWorkspaces: TaskWorkspaces;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  /** The repos' memory: retrieved at hydration, written when a task ends (docs/memory.md). */
  memory: Memory;
  log: Logger;
  metrics: Metrics;
  cancellations: Cancellations;
  /** The graceful stop of this process: steps park instead of ending while it runs. */
  drain: Drain;
  sandboxes: SandboxPool;
  /** The environment cache on this host (docs/env-cache.md): setup runs once per key. */
  envCache: EnvCache;
  config: Pick<
    Config,
    | 'caps'
    | 'taskTimeoutS'
    | 'queueMaxAgeS'
    | 'defaultAllowlist'
    | 'memory'
    | 'model'
    | 'modelProviders'
    | 'agentRuntime'
    | 'prices'
  >;
  /** Every secret the platform holds (keys, tokens): scrubbed from command output before it is stored. */
  secrets: string[];
  executorId: string;
  /** Asks the dispatcher to look for tasks that can start now (a slot was freed). */
  wake(): void;
}
