import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedModelServer, type ScriptedModelServer } from '@abca/model-kit';
import { startTestPlatform, type TestPlatform } from './platform.ts';
import { type PlatformProcess, spawnPlatform } from './processes.ts';

/**
 * The setup of the crash tests of the built-in agent: a scripted model server, the API in the test
 * process, and the workflows in a separate worker process that a test can SIGKILL and restart on
 * the same state folder and database.
 */
export interface CrashWorld {
  model: ScriptedModelServer;
  api: TestPlatform;
  /**
   * SIGKILLs the worker and starts a new one in its place. On the same machine it shares the state
   * folder (and takes the same executor id back); `onAnotherMachine` gives it a state folder of its
   * own, so the dead worker's workspaces are not there, as on another host.
   */
  crashWorker(opts?: { onAnotherMachine?: boolean }): Promise<void>;
  close(): Promise<void>;
  /** What the current worker process wrote to stderr (its warnings and errors), for failure reports. */
  workerLog(): string;
}

export async function startCrashWorld(extraEnv: Record<string, string> = {}): Promise<CrashWorld> {
  const model = await createScriptedModelServer();
  const api = await startTestPlatform({}, { apiOnly: true });
  const env = {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_RECONCILE_MS: '200',
    // The suite's tasks were written against ten slots; the default follows the cores now.
    ABCA_MAX_TASKS: '10',
    // Memory's learning would call the scripted model after each task (docs/memory.md).
    ABCA_MEMORY_LEARNING: 'off',
    ABCA_HEARTBEAT_MS: '300',
    ABCA_EXECUTOR_STALE_MS: '5000',
    ...extraEnv,
  };
  let worker: PlatformProcess | undefined = await spawnPlatform('worker', env);
  return {
    model,
    api,
    async crashWorker(opts = {}) {
      await worker?.kill('SIGKILL');
      worker = undefined;
      const home = opts.onAnotherMachine ? mkdtempSync(join(tmpdir(), 'abca-other-host-')) : env.ABCA_HOME;
      worker = await spawnPlatform('worker', { ...env, ABCA_HOME: home });
    },
    workerLog: () => `executor ${worker?.executorId}:\n${worker?.stderr.join('\n') ?? ''}`,
    async close() {
      await worker?.kill('SIGTERM');
      await api.platform.stop();
      await model.close();
    },
  };
}
