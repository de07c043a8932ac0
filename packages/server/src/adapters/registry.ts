import { join } from 'node:path';
import { createBubblewrapBackend, createLocalBackend, type SandboxBackend } from '@abca/sandbox';
import type { Config } from '../config/config.ts';
import { sandboxIntakeLimits } from '../config/intake-limits.ts';
import { configuredProviders } from '../config/model-providers.ts';
import { createDiskEnvCache } from '../env-cache/disk-env-cache.ts';
import { type ChangeRequestMerger, createChangeRequestMerger } from '../git/merge-change-request.ts';
import type { HostProcesses } from '../ops/host-processes.ts';
import type { Logger } from '../ops/logger.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { EnvCache } from '../ports/env-cache.ts';
import type { Forge } from '../ports/forge.ts';
import type { Memory } from '../ports/memory.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Workspaces } from '../ports/workspaces.ts';
import type { Db } from '../storage/db.ts';
import { createBuiltinRuntime } from './agent-runtime/builtin.ts';
import { createFakeAgentRuntime } from './agent-runtime/fake.ts';
import { createFakeEffects } from './fake-effects.ts';
import { createAccessMemory } from './forge/access-memory.ts';
import { createFakeForge } from './forge/fake.ts';
import { createGitForge, type GitForgeDeps } from './forge/git/forge.ts';
import { createGitHubForge } from './forge/github/forge.ts';
import { rememberAccess } from './forge/remember-access.ts';
import { createForgeRouter } from './forge/router.ts';
import { createPostgresMemory } from './memory/postgres.ts';
import { createFakeNotifier } from './notifier/fake.ts';
import { createLogNotifier } from './notifier/log.ts';
import { createLocalGit } from './workspaces/local-git.ts';

export interface Adapters {
  forge: Forge;
  workspaces: Workspaces;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  sandboxBackend: SandboxBackend;
  /** Merges plain-git change requests on their remotes, from the same mirrors the tasks use. */
  changeRequestMerger: ChangeRequestMerger;
  /** A repo's memory (docs/memory.md). */
  memory: Memory;
  /**
   * The environment cache on this host (docs/env-cache.md), under the state folder's cache next to
   * the mirrors: the tasks' side for the orchestrator, the operator's side (`EnvCacheAdmin`) for the API.
   */
  envCache: EnvCache;
}

/** Every secret value in the configuration: kept out of sandboxes, events and logs. */
export function configSecrets(config: Config): string[] {
  return [...Object.values(config.modelEnv), config.github.token, config.github.privateKey].filter(
    (s): s is string => typeof s === 'string' && s.length >= 6,
  );
}

/** Picks the adapters named by the configuration; the only place that knows them all. */
export function createAdapters(
  config: Config,
  deps: {
    db: Db;
    executorId: string;
    log: Logger;
    processes: HostProcesses;
    /** The stored credential of a plain-git repo, decrypted per git call. */
    credentials?: GitForgeDeps['credentials'];
  },
): Adapters {
  const effects = createFakeEffects(deps.db, { executorId: deps.executorId, delayMs: config.fakeDelayMs });
  const cacheDir = join(config.home, 'cache');
  // Successful access checks, remembered for a while per repo, remote and credential; a push
  // refused for access forgets them.
  const accessMemory = createAccessMemory({ ttlMs: config.accessCheckTtlS * 1000 });
  // Mirrors and workspaces reach each remote through the forge (built just below; called later).
  const { git, mirrors, workspaces } = createLocalGit({
    cacheDir,
    processes: deps.processes,
    remote: (repo) => forge.gitRemote(repo),
    mirrorFreshMs: config.mirrorFreshMs,
    onPushRefused: (repo) => accessMemory.forget(repo),
    onSpreadSkipped: (fields, message) => deps.log.debug(fields, message),
  });
  const router: Forge = createForgeRouter({
    fake: createFakeForge({ db: deps.db, effects, git, cacheDir }),
    git: createGitForge({
      db: deps.db,
      git,
      mirrors,
      log: deps.log,
      ...(deps.credentials ? { credentials: deps.credentials } : {}),
    }),
    ...githubForge(config, deps.log),
  });
  const forge = rememberAccess(router, accessMemory);
  const runtimes: Record<Config['agentRuntime'], () => AgentRuntime> = {
    fake: () => createFakeAgentRuntime({ effects, turnDelayMs: config.fakeDelayMs }),
    builtin: () =>
      createBuiltinRuntime({
        db: deps.db,
        model: config.model,
        providers: config.modelProviders,
        configuredProviders: configuredProviders(config),
        secrets: configSecrets(config),
        wallTimeMs: config.taskTimeoutS * 1000,
        pricing: { overrides: config.prices },
        ...(config.modelContextTokens ? { contextWindowTokens: config.modelContextTokens } : {}),
      }),
  };
  const sandboxes: Record<Config['sandbox'], () => SandboxBackend> = {
    bubblewrap: () =>
      createBubblewrapBackend({
        defaultLimits: sandboxIntakeLimits(config),
        egress: { allowPrivateRanges: config.egressAllowPrivate },
      }),
    local: () =>
      createLocalBackend({
        defaultLimits: sandboxIntakeLimits(config),
        log: (message: string) => deps.log.warn({ sandbox: 'local' }, message),
      }),
  };
  const notifiers: Record<Config['notifier'], () => Notifier> = {
    log: () => createLogNotifier(deps.log),
    fake: () => createFakeNotifier({ effects }),
  };
  return {
    forge,
    workspaces,
    agentRuntime: runtimes[config.agentRuntime](),
    notifier: notifiers[config.notifier](),
    sandboxBackend: sandboxes[config.sandbox](),
    changeRequestMerger: createChangeRequestMerger({
      git,
      mirrors,
      cacheDir,
      remote: (repo) => forge.gitRemote(repo),
    }),
    memory: createPostgresMemory(deps.db),
    envCache: createDiskEnvCache({
      root: join(cacheDir, 'env'),
      enabled: config.envCache,
      maxBytes: config.envCacheMaxBytes,
      log: deps.log.child({ component: 'env-cache' }),
    }),
  };
}

/** The GitHub forge when a token or an App is configured; without, GitHub repos fail pre-flight with a remedy. */
function githubForge(config: Config, log: Logger): { github?: Forge } {
  const gh = config.github;
  const base = { log, ...(gh.apiUrl ? { baseUrl: gh.apiUrl } : {}) };
  if (gh.appId !== undefined && gh.privateKey) {
    return {
      github: createGitHubForge({
        ...base,
        auth: {
          kind: 'app',
          appId: gh.appId,
          privateKey: gh.privateKey,
          ...(gh.installationId ? { installationId: gh.installationId } : {}),
        },
      }),
    };
  }
  if (gh.token) return { github: createGitHubForge({ ...base, auth: { kind: 'token', token: gh.token } }) };
  return {};
}
