/**
 * What the `abca` process exit code means; scripts branch on these, so they never change meaning.
 */
export const EXIT = {
  /** The command did what was asked (for `submit --wait` / `watch`: the task COMPLETED). */
  OK: 0,
  /** The task ended FAILED, CANCELLED or TIMED_OUT, a doctor check failed, or any other failure. */
  FAILURE: 1,
  /** Bad flags or arguments, an invalid configuration, or the API refused the input (400/413/415/422). */
  USAGE: 2,
  /** The ABCA server could not be reached. */
  UNREACHABLE: 3,
  /** No API key, or the key was refused (401/403). */
  AUTH: 4,
  /** The task, key, repo or route does not exist (404). */
  NOT_FOUND: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An expected failure of a command: printed as its message (plus a hint) with no stack trace, and
 * turned into its exit code by main.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly options: {
      hint?: string;
      code?: string;
      requestId?: string;
      details?: { field: string; message: string }[];
    } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code of an HTTP error status. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 400 || status === 413 || status === 415 || status === 422) return EXIT.USAGE;
  return EXIT.FAILURE;
}
