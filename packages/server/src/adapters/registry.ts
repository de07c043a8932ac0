import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createBubblewrapBackend, createLocalBackend, type SandboxBackend } from '@abca/sandbox';
import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { Forge } from '../ports/forge.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Db } from '../storage/db.ts';
import { createBuiltinRuntime } from './agent-runtime/builtin.ts';
import { createFakeAgentRuntime } from './agent-runtime/fake.ts';
import { createFakeEffects } from './fake-effects.ts';
import { createFakeForge } from './forge/fake.ts';
import { createGitForge, type GitForgeDeps } from './forge/git/forge.ts';
import { createGitHubForge } from './forge/github/forge.ts';
import { createForgeRouter } from './forge/router.ts';
import { workspaceRecordPath } from './forge/workspace.ts';
import { createFakeNotifier } from './notifier/fake.ts';
import { createLogNotifier } from './notifier/log.ts';

export interface Adapters {
  forge: Forge;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  sandboxBackend: SandboxBackend;
  /** Drops what the forges keep about a task workspace folder once it was removed. */
  workspaceRemoved(dir: string): Promise<void>;
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
    /** The stored credential of a plain-git repo, decrypted per git call. */
    credentials?: GitForgeDeps['credentials'];
  },
): Adapters {
  const effects = createFakeEffects(deps.db, { executorId: deps.executorId, delayMs: config.fakeDelayMs });
  const cacheDir = join(config.home, 'cache');
  const forge = createForgeRouter({
    fake: createFakeForge({ db: deps.db, effects }),
    git: createGitForge({
      db: deps.db,
      cacheDir,
      log: deps.log,
      ...(deps.credentials ? { credentials: deps.credentials } : {}),
    }),
    ...githubForge(config, cacheDir, deps.log),
  });
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
    workspaceRemoved: (dir) => rm(workspaceRecordPath(cacheDir, dir), { force: true }),
    forge,
    agentRuntime: runtimes[config.agentRuntime](),
    notifier: notifiers[config.notifier](),
    sandboxBackend: sandboxes[config.sandbox](),
  };
}

/** The GitHub forge when a token or an App is configured; without, GitHub repos fail pre-flight with a remedy. */
function githubForge(config: Config, cacheDir: string, log: Logger): { github?: Forge } {
  const gh = config.github;
  const base = { cacheDir, log, ...(gh.apiUrl ? { baseUrl: gh.apiUrl } : {}) };
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
