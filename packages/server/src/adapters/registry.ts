import { createBubblewrapBackend, createLocalBackend, type SandboxBackend } from '@abca/sandbox';
import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import { type Forge, ForgeError } from '../ports/forge.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Db } from '../storage/db.ts';
import { createBuiltinRuntime } from './agent-runtime/builtin.ts';
import { createFakeAgentRuntime } from './agent-runtime/fake.ts';
import { createFakeEffects } from './fake-effects.ts';
import { createFakeForge } from './forge/fake.ts';
import { createFakeNotifier } from './notifier/fake.ts';
import { createLogNotifier } from './notifier/log.ts';

export interface Adapters {
  forge: Forge;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  sandboxBackend: SandboxBackend;
}

/** Every secret value in the configuration: kept out of sandboxes, events and logs. */
export function configSecrets(config: Config): string[] {
  return [...Object.values(config.modelEnv), config.github.token, config.github.privateKey].filter(
    (s): s is string => typeof s === 'string' && s.length >= 6,
  );
}

/** Picks the adapters named by the configuration; the only place that knows them all. */
export function createAdapters(config: Config, deps: { db: Db; executorId: string; log: Logger }): Adapters {
  const effects = createFakeEffects(deps.db, { executorId: deps.executorId, delayMs: config.fakeDelayMs });
  const fakeForge = createFakeForge({ db: deps.db, effects });
  const forges: Partial<Record<string, Forge>> = { fake: fakeForge };
  const forge = routeForges(forges);
  const runtimes: Record<Config['agentRuntime'], () => AgentRuntime> = {
    fake: () => createFakeAgentRuntime({ effects, turnDelayMs: config.fakeDelayMs }),
    builtin: () =>
      createBuiltinRuntime({
        db: deps.db,
        model: config.model,
        baseUrl: config.modelBaseUrl,
        modelEnv: config.modelEnv,
        secrets: configSecrets(config),
        wallTimeMs: config.taskTimeoutS * 1000,
      }),
  };
  const sandboxes: Record<Config['sandbox'], () => SandboxBackend> = {
    bubblewrap: () => createBubblewrapBackend(),
    local: () =>
      createLocalBackend({
        log: (message: string) => deps.log.warn({ sandbox: 'local' }, message),
      }),
  };
  const notifiers: Record<Config['notifier'], () => Notifier> = {
    log: () => createLogNotifier(deps.log),
    fake: () => createFakeNotifier({ effects }),
  };
  return {
    forge,
    agentRuntime: runtimes[config.agentRuntime](),
    notifier: notifiers[config.notifier](),
    sandboxBackend: sandboxes[config.sandbox](),
  };
}

function routeForges(forges: Partial<Record<string, Forge>>): Forge {
  const pick = (kind: string): Forge => {
    const f = forges[kind];
    if (!f)
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `No forge of kind ${kind} is configured on this worker.`,
        false,
      );
    return f;
  };
  return {
    kind: 'router',
    checkAccess: (r) => pick(r.forge.kind).checkAccess(r),
    syncMirror: (r) => pick(r.forge.kind).syncMirror(r),
    createWorkspace: (r, o) => pick(r.forge.kind).createWorkspace(r, o),
    readFile: (r, p) => pick(r.forge.kind).readFile(r, p),
    getBranchHead: (r, b) => pick(r.forge.kind).getBranchHead(r, b),
    pushBranch: (r, o) => pick(r.forge.kind).pushBranch(r, o),
    findPullRequest: (r, b) => pick(r.forge.kind).findPullRequest(r, b),
    openPullRequest: (r, p) => pick(r.forge.kind).openPullRequest(r, p),
    updatePullRequest: (r, n, p) => pick(r.forge.kind).updatePullRequest(r, n, p),
    fetchContext: (r, ref) => pick(r.forge.kind).fetchContext(r, ref),
    comment: (r, n, b) => pick(r.forge.kind).comment(r, n, b),
  };
}
