import type { Config } from '../config/config.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { Forge } from '../ports/forge.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Db } from '../storage/db.ts';
import { createFakeAgentRuntime } from './agent-runtime/fake.ts';
import { createFakeEffects } from './fake-effects.ts';
import { createFakeForge } from './forge/fake.ts';
import { createFakeNotifier } from './notifier/fake.ts';

export interface Adapters {
  forge: Forge;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
}

/** Picks the adapters named by the configuration; the only place that knows them all. */
export function createAdapters(config: Config, deps: { db: Db; executorId: string }): Adapters {
  const effects = createFakeEffects(deps.db, { executorId: deps.executorId, delayMs: config.fakeDelayMs });
  const forges: Record<Config['forge'], () => Forge> = {
    fake: () => createFakeForge({ db: deps.db, effects }),
  };
  const runtimes: Record<Config['agentRuntime'], () => AgentRuntime> = {
    fake: () => createFakeAgentRuntime({ effects, turnDelayMs: config.fakeDelayMs }),
  };
  return {
    forge: forges[config.forge](),
    agentRuntime: runtimes[config.agentRuntime](),
    notifier: createFakeNotifier({ effects }),
  };
}
