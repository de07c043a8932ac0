import type { RepoSettings } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';
import type { Metrics } from '../../ops/metrics.ts';
import type { EnvCache, EnvSaveResult, StagedSave } from '../../ports/env-cache.ts';
import type { EmitEvent } from '../../store/event-store.ts';
import { type CheckResult, runSetup } from './checks.ts';

export interface EnvironmentDeps {
  envCache: EnvCache;
  /** Scrubbed from the setup command's output. */
  secrets: string[];
  metrics?: Pick<Metrics, 'envCacheLookups'>;
}

export interface EnvironmentInput {
  repo: string;
  settings: Pick<RepoSettings, 'setup_command' | 'env_cache'>;
  sandbox: Sandbox;
  workspaceDir: string;
  /** The commit the workspace was made from: a snapshot's baseline is reused on the same one. */
  baseCommit: string;
  /**
   * Whether a clean setup here may fill the cache: only a fresh workspace on the default branch
   * head (a pull request's branch could carry hostile install scripts under an unchanged lockfile;
   * a restored workspace holds the agent's work).
   */
  mayFill: boolean;
  /** `preflight.setup` in pre-flight, `workspace.setup` after a restore. */
  setupEvent: 'preflight.setup' | 'workspace.setup';
  emit: EmitEvent;
  signal: AbortSignal;
}

export type Environment =
  | {
      ok: true;
      /** The snapshot's baseline, when it was taken on this base commit (the checks need not run again). */
      baseline?: CheckResult[];
      /** A clean setup copied aside: commit it with the baseline (or discard it). */
      staged?: StagedSave;
    }
  | { ok: false; setup: CheckResult };

/**
 * The workspace's environment (docs/env-cache.md): the snapshot of the cache when the key matches
 * (setup does not run), else the repo's setup command, whose clean result is staged for the cache
 * when this workspace may fill it. Call only with a setup command configured.
 */
export async function prepareEnvironment(deps: EnvironmentDeps, i: EnvironmentInput): Promise<Environment> {
  const command = i.settings.setup_command as string;
  const on = deps.envCache.enabled && i.settings.env_cache?.enabled !== false;
  const count = (outcome: string) => deps.metrics?.envCacheLookups.inc({ outcome });
  let key: Awaited<ReturnType<EnvCache['keyOf']>> | undefined;
  if (!on) {
    await i.emit('env_cache.miss', { reason: 'disabled' });
    count('disabled');
  } else {
    // What the cache costs this task: the key (reading the key files) and the snapshot's copy.
    const t0 = performance.now();
    key = await deps.envCache.keyOf({
      repo: i.repo,
      setupCommand: command,
      sandboxKind: i.sandbox.kind,
      workspaceDir: i.workspaceDir,
      extraKeyFiles: i.settings.env_cache?.key_files ?? [],
    });
    const served = await deps.envCache.serve(key, i.workspaceDir);
    if (served.hit) {
      const reuse = served.entry.base_commit === i.baseCommit;
      await i.emit('env_cache.hit', {
        key: key.key,
        bytes: served.entry.bytes,
        files: served.entry.files,
        duration_ms: Math.round(performance.now() - t0),
        baseline_reused: reuse,
      });
      count('hit');
      return { ok: true, ...(reuse ? { baseline: served.baseline } : {}) };
    }
    await i.emit('env_cache.miss', {
      reason: served.reason,
      key: key.key,
      ...(served.detail ? { detail: served.detail } : {}),
    });
    count(served.reason);
  }
  const setup = await runSetup(i.sandbox, command, { secrets: deps.secrets, signal: i.signal });
  const ended = { ok: setup.ok, exit_code: setup.exitCode, duration_ms: setup.durationMs };
  if (i.setupEvent === 'preflight.setup')
    await i.emit('preflight.setup', { ...ended, output_tail: setup.outputTail });
  else await i.emit('workspace.setup', ended);
  if (!setup.ok) return { ok: false, setup };
  if (!key || i.signal.aborted) return { ok: true };
  if (!i.mayFill) {
    if (i.setupEvent === 'preflight.setup')
      await i.emit('env_cache.save_skipped', { reason: 'not_default_branch', key: key.key });
    return { ok: true };
  }
  const staged = await deps.envCache.stage(key, {
    sandbox: i.sandbox,
    workspaceDir: i.workspaceDir,
    baseCommit: i.baseCommit,
  });
  if ('commit' in staged) return { ok: true, staged };
  await emitSaveResult(i.emit, key.key, staged);
  return { ok: true };
}

/** The event saying what became of a save. */
export async function emitSaveResult(emit: EmitEvent, key: string, r: EnvSaveResult): Promise<void> {
  if (r.saved)
    await emit('env_cache.saved', { key, bytes: r.bytes, files: r.files, duration_ms: r.durationMs });
  else if ('skipped' in r)
    await emit('env_cache.save_skipped', {
      reason: r.skipped,
      key,
      ...(r.detail ? { detail: r.detail } : {}),
    });
  else await emit('env_cache.save_failed', { reason: r.failed, key, message: r.message });
}
