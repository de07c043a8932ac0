import type { SandboxLimits } from '@abca/sandbox';
import type { WorkspaceLimits } from '../ports/workspaces.ts';
import type { Config } from './config.ts';

const MiB = 1024 * 1024;

/**
 * Every bound on what the host takes from a sandbox or an untrusted repository, in one place. The
 * sandbox enforces its own (command output, file reads); the Workspaces port enforces the
 * workspace's (checkout, the work taken out); the event log and the forges cut what they store.
 * Over a bound is a tool error or a typed task failure, never unbounded memory on the host.
 */
export const INTAKE_LIMITS = {
  /** stdout+stderr of one command, kept by the sandbox (the agent's bash tool sees 30,000 chars of it). */
  commandOutputBytes: 1 * MiB,
  /** One file read through the sandbox (`read_file`, `edit_file`): larger ones are refused unread. */
  fileReadBytes: 8 * MiB,
  /** One file of the default branch read from the mirror (instruction files): cut there. */
  repoFileBytes: 1 * MiB,
  /** A change request's diff kept by the plain-git forge: cut there. */
  diffBytes: 4 * MiB,
  /** The data of one task event: longer strings inside it are cut. */
  eventBytes: 64 * 1024,
} as const;

/**
 * The sandbox's defaults for what it hands the host, and the files its workspace may hold while the
 * agent works: twice what a checkout may hold (room for dependencies and build output). More would
 * be work no later task could check out (the capture refuses it), and empty files each take one of
 * the host file system's inodes, which a byte limit does not count.
 */
export function sandboxIntakeLimits(config: Pick<Config, 'workspaceMaxFiles'>): SandboxLimits {
  return {
    maxOutputBytes: INTAKE_LIMITS.commandOutputBytes,
    maxReadBytes: INTAKE_LIMITS.fileReadBytes,
    maxFiles: 2 * config.workspaceMaxFiles,
  };
}

/** What a task's workspace may hold, and the largest work the host takes out of it. */
export function workspaceLimits(
  config: Pick<Config, 'checkpointMaxBytes' | 'workspaceMaxFiles' | 'workMaxFileBytes'>,
): WorkspaceLimits {
  return {
    maxFiles: config.workspaceMaxFiles,
    // The sandbox's disk limit (10 GiB by default) bounds the checkout anyway; refuse before trying.
    maxCheckoutBytes: 10 * 1024 * MiB,
    maxCaptureBytes: config.checkpointMaxBytes,
    maxFileBytes: config.workMaxFileBytes,
  };
}
