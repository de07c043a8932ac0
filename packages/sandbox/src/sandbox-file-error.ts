/**
 * Why {@link Sandbox.readFile} (or `writeFile`) refused or failed:
 * - `not_found`: nothing at the path (a dangling symlink included);
 * - `is_directory`: the path is a folder;
 * - `not_regular`: a FIFO, socket, character or block device (e.g. a symlink to `/dev/zero`), which
 *   could block or never end, so it is never opened for reading;
 * - `too_large`: the file is over the byte limit (checked before reading, and again while reading);
 * - `timeout`: the operation ran past its wall time and was killed;
 * - `failed`: anything else (permission denied, a path outside the workspace, a broken read).
 *
 * @see Sandbox.readFile
 */
export type SandboxFileErrorCode =
  | 'not_found'
  | 'is_directory'
  | 'not_regular'
  | 'too_large'
  | 'timeout'
  | 'failed';

/** Every {@link SandboxFileErrorCode}, for exhaustive checks and schemas. */
export const SANDBOX_FILE_ERROR_CODES: readonly SandboxFileErrorCode[] = [
  'not_found',
  'is_directory',
  'not_regular',
  'too_large',
  'timeout',
  'failed',
];

/** Details of a {@link SandboxFileError}. */
export interface SandboxFileErrorDetails {
  /** For `too_large`: the file's size in bytes, when it was known before reading. */
  size?: number;
  /** For `too_large`: the byte limit that refused it. */
  limit?: number;
  cause?: unknown;
}

/**
 * A file operation of the sandbox port refused or failed. It is an expected outcome for a path
 * the agent chose, so callers (the agent's file tools) turn `code` into an answer the model can act
 * on instead of a crash. A stopped or broken sandbox still throws a plain `Error`, as `exec` does.
 */
export class SandboxFileError extends Error {
  override readonly name = 'SandboxFileError';
  readonly code: SandboxFileErrorCode;
  /** The path as the caller gave it. */
  readonly path: string;
  // Declared, not defined: absent (not `undefined`) unless the code sets them.
  declare readonly size?: number;
  declare readonly limit?: number;

  constructor(
    code: SandboxFileErrorCode,
    path: string,
    message: string,
    details: SandboxFileErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = path;
    if (details.size !== undefined) this.size = details.size;
    if (details.limit !== undefined) this.limit = details.limit;
  }
}

/**
 * Whether `error` is a {@link SandboxFileError}. Checks the shape rather than the prototype, so an
 * error rebuilt on the other side of a process boundary, or from another copy of this package,
 * is recognised too.
 */
export function isSandboxFileError(error: unknown): error is SandboxFileError {
  if (!(error instanceof Error) || error.name !== 'SandboxFileError') return false;
  const { code, path } = error as Partial<SandboxFileError>;
  return typeof path === 'string' && SANDBOX_FILE_ERROR_CODES.includes(code as SandboxFileErrorCode);
}

/** Standard messages, so every backend says the same thing for the same refusal. */
export const fileErrors = {
  notFound: (path: string, cause?: unknown) =>
    new SandboxFileError('not_found', path, `${path}: no such file`, { cause }),
  isDirectory: (path: string) => new SandboxFileError('is_directory', path, `${path} is a directory`),
  notRegular: (path: string, kind: string) =>
    new SandboxFileError(
      'not_regular',
      path,
      `${path} is a ${kind}, not a regular file: it is never read (it could block or never end)`,
    ),
  tooLarge: (path: string, limit: number, size?: number) =>
    new SandboxFileError(
      'too_large',
      path,
      size === undefined
        ? `${path} grew over the ${limit}-byte read limit while it was read`
        : `${path} is ${size} bytes, over the ${limit}-byte read limit`,
      size === undefined ? { limit } : { size, limit },
    ),
  timeout: (path: string, timeoutMs: number) =>
    new SandboxFileError(
      'timeout',
      path,
      `${path}: the file operation took over ${timeoutMs} ms and was stopped`,
    ),
  failed: (path: string, why: string, cause?: unknown) =>
    new SandboxFileError('failed', path, `${path}: ${why}`, { cause }),
};
