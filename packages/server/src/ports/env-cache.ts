import type { EnvCacheCleared, EnvCacheEntry, EnvCacheMissReason, EnvCacheSkipReason } from '@abca/contracts';
import type { Sandbox } from '@abca/sandbox';

/**
 * The environment cache's port (docs/env-cache.md). The operator's side (list and clear) is fixed
 * here; the task's side (lookup, fill, serve into a workspace) is added by its implementation.
 * Snapshots live on this host's disk, survive restarts, and are bounded by a size cap with
 * least-recently-used eviction.
 */
export interface EnvCacheAdmin {
  /** The snapshots on this host, most recently used first (optionally of one repo). */
  list(filter?: { repo?: string }): Promise<EnvCacheEntry[]>;
  /** Removes the snapshots (of one repo, or all); a snapshot in use by a task stays readable to it. */
  clear(filter?: { repo?: string }): Promise<EnvCacheCleared>;
  /** The size cap in bytes, and whether the cache is on. */
  readonly maxBytes: number;
  readonly enabled: boolean;
}

/** A check's result as a snapshot records it (the baseline of the commit its setup ran on). */
export interface RecordedCheck {
  name: string;
  command: string;
  exitCode: number | null;
  ok: boolean;
  durationMs: number;
  killed?: string;
  outputTail: string;
}

/** What a workspace's environment is keyed by (docs/env-cache.md, "The key"). */
export interface EnvKey {
  /** Hex sha256 of everything below. */
  key: string;
  /** Hex sha256 of the repo, the setup command and the sandbox alone: snapshots that differ only by key files. */
  family: string;
  repo: string;
  setupCommand: string;
  /** The sandbox backend and what of the host it sees that changes installs. */
  sandbox: string;
  /** The key files present in the workspace, sorted by path. */
  keyFiles: { path: string; sha256: string }[];
  /** The repo's own key files it was computed with (the key is computed again after setup). */
  extraKeyFiles: string[];
}

export interface EnvKeyInput {
  repo: string;
  setupCommand: string;
  /** The sandbox backend's kind (`bubblewrap`, `local`). */
  sandboxKind: string;
  /** The task's workspace folder on this host (read as untrusted data: bounded, no symlinks out). */
  workspaceDir: string;
  /** The repo's own `env_cache.key_files`, on top of the defaults. */
  extraKeyFiles?: string[];
}

export type EnvServeResult =
  | {
      hit: true;
      entry: EnvCacheEntry;
      /** The baseline recorded with the snapshot, on `entry.base_commit`. */
      baseline: RecordedCheck[];
      durationMs: number;
    }
  | { hit: false; reason: Exclude<EnvCacheMissReason, 'disabled'>; detail?: string };

/** A snapshot copied aside after a clean setup, waiting for its baseline to be recorded with it. */
export interface StagedSave {
  readonly key: string;
  /** Writes the manifest and renames the snapshot into place (atomic); evicts what the cap needs. */
  commit(baseline: RecordedCheck[]): Promise<EnvSaveResult>;
  /** Drops the staged copy (the task failed before its baseline). */
  discard(): Promise<void>;
}

export type EnvSaveResult =
  | { saved: true; bytes: number; files: number; durationMs: number }
  | { saved: false; skipped: EnvCacheSkipReason; detail?: string }
  | { saved: false; failed: 'no_space' | 'error'; message: string };

/** The task's side: the key of a workspace, a snapshot served into it, a clean setup saved from it. */
export interface EnvCache extends EnvCacheAdmin {
  keyOf(input: EnvKeyInput): Promise<EnvKey>;
  /**
   * Copies the key's snapshot into the workspace (never linked: a task writing into its copy never
   * changes the cache). A miss leaves the workspace as it was.
   */
  serve(key: EnvKey, workspaceDir: string): Promise<EnvServeResult>;
  /**
   * After a clean setup in a fresh workspace on the default branch head: copies aside what setup
   * produced (what git ignores or does not track, listed in the sandbox), unless setup changed
   * tracked files or a key file, another task is saving the same key, or it is too large.
   */
  stage(
    key: EnvKey,
    input: { sandbox: Sandbox; workspaceDir: string; baseCommit: string },
  ): Promise<StagedSave | Exclude<EnvSaveResult, { saved: true }>>;
}
