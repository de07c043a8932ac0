import { type Command, InvalidArgumentError } from 'commander';
import { type ClientFlags, type Context, createContext, type Env } from './context.ts';
import { reportError } from './report-error.ts';

/** What every command registration receives from main. */
export interface Cli {
  env: Env;
  /** Records the process exit code (main applies it once the command returns). */
  setExitCode(code: number): void;
  /** Called by `serve` / `worker` once started: the process stays up until a signal stops it. */
  keepRunning(): void;
}

/** `--url`, `--api-key` and `--json`: the options of every command that talks to the server. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'server URL (default: ABCA_URL, ABCA_PORT, $ABCA_HOME/server.json, http://127.0.0.1:8787)',
    )
    .option('--api-key <key>', 'API key (default: ABCA_API_KEY, then $ABCA_HOME/admin.key)')
    .option('--json', 'print JSON for scripts');
}

/**
 * Wraps a command body: builds its context, runs it, and turns what it returns or throws into the
 * exit code (errors are printed without a stack trace).
 */
export async function runClientCommand(
  cli: Cli,
  flags: ClientFlags,
  body: (ctx: Context) => Promise<number | undefined>,
): Promise<void> {
  const ctx = createContext(flags, cli.env);
  try {
    cli.setExitCode((await body(ctx)) ?? 0);
  } catch (err) {
    cli.setExitCode(reportError(ctx.out, err, { keySource: ctx.keySource, debug: isDebug(cli.env) }));
  }
}

export function isDebug(env: Env): boolean {
  return env.ABCA_DEBUG !== undefined && env.ABCA_DEBUG !== '' && env.ABCA_DEBUG !== '0';
}

/** A commander parser for a whole number in [min, max]. */
export function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `must be a whole number ${rangeText(min, max, Number.MAX_SAFE_INTEGER)}.`,
      );
    }
    return n;
  };
}

/** A commander parser for a decimal number in [min, max]. */
export function numberArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a number ${rangeText(min, max, Number.MAX_VALUE)}.`);
    }
    return n;
  };
}

/** `from 1 to 500`, or `of 1 or more` when there is no real upper bound (the server checks it). */
function rangeText(min: number, max: number, unbounded: number): string {
  return max >= unbounded ? `of ${min} or more` : `from ${min} to ${max}`;
}
