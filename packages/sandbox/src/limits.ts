import { isAbsolute } from 'node:path';
import { createHostAllowlist } from './host-allowlist.ts';
import { FILE_TIMEOUT_MS, type ReadFileOptions, type SandboxLimits, type SandboxSpec } from './sandbox.ts';

const MiB = 1024 * 1024;

/** Defaults for every limit, sized for an agent building and testing a typical repository. */
export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  memoryBytes: 4096 * MiB,
  maxProcesses: 1024,
  cpus: 2,
  diskBytes: 10 * 1024 * MiB,
  // Two million: a large monorepo's checkout with its dependencies and build output.
  maxFiles: 2_000_000,
  commandTimeoutMs: 10 * 60_000,
  maxOutputBytes: 1 * MiB,
  // Source files are far smaller; a bigger file is read in parts with `head`/`sed` through exec.
  maxReadBytes: 8 * MiB,
};

/** Spec limits over backend defaults over {@link DEFAULT_LIMITS}. */
export function resolveLimits(
  backendDefaults: SandboxLimits | undefined,
  specLimits: SandboxLimits | undefined,
): Required<SandboxLimits> {
  const pick = <K extends keyof SandboxLimits>(key: K): number =>
    specLimits?.[key] ?? backendDefaults?.[key] ?? DEFAULT_LIMITS[key];
  return {
    memoryBytes: pick('memoryBytes'),
    maxProcesses: pick('maxProcesses'),
    cpus: pick('cpus'),
    diskBytes: pick('diskBytes'),
    maxFiles: pick('maxFiles'),
    commandTimeoutMs: pick('commandTimeoutMs'),
    maxOutputBytes: pick('maxOutputBytes'),
    maxReadBytes: pick('maxReadBytes'),
  };
}

/**
 * The bounds of one `readFile`: the caller's, else the sandbox's `maxReadBytes` and
 * {@link FILE_TIMEOUT_MS}. Throws a `RangeError` on a bound that would not bound anything (negative,
 * fractional, NaN, infinite): that is a bug of the caller, not a file failure.
 */
export function readBounds(
  options: ReadFileOptions,
  limits: Required<SandboxLimits>,
): { maxBytes: number; timeoutMs: number } {
  const maxBytes = options.maxBytes ?? limits.maxReadBytes;
  const timeoutMs = options.timeoutMs ?? FILE_TIMEOUT_MS;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError(`readFile maxBytes must be a whole number of bytes >= 0, got ${maxBytes}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`readFile timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  return { maxBytes, timeoutMs };
}

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Folders the sandbox profile owns: a read-only bind may not replace them (or live in the first four). */
const RESERVED_TOP = new Set([
  'proc',
  'dev',
  'sys',
  'workspace',
  'home',
  'tmp',
  'run',
  'usr',
  'etc',
  'bin',
  'lib',
  'lib64',
  'sbin',
]);
const RESERVED_TREES = new Set(['proc', 'dev', 'sys', 'workspace']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws on environment names that could not be passed as `NAME=value` (or could smuggle options). */
export function validateEnv(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || value.includes('\0')) throw new Error(`invalid value for ${name}`);
  }
}

/** Throws when a spec is unusable: unsafe task id, relative paths, bad env names. */
export function validateSpec(spec: SandboxSpec): void {
  if (!TASK_ID.test(spec.taskId))
    throw new Error(`taskId must match ${TASK_ID}: ${JSON.stringify(spec.taskId)}`);
  if (!isAbsolute(spec.workspaceDir)) throw new Error(`workspaceDir must be absolute: ${spec.workspaceDir}`);
  for (const path of spec.readOnlyPaths ?? []) {
    if (!isAbsolute(path)) throw new Error(`readOnlyPaths must be absolute: ${path}`);
    const parts = path.split('/').filter(Boolean);
    const top = parts[0];
    if (!top || RESERVED_TREES.has(top) || (parts.length === 1 && RESERVED_TOP.has(top))) {
      throw new Error(`readOnlyPaths may not shadow a folder of the sandbox profile: ${path}`);
    }
  }
  if (spec.env) validateEnv(spec.env);
  // Throws on a malformed entry (e.g. `host:99999`) instead of silently never matching it.
  createHostAllowlist(spec.allowedHosts ?? []);
}
