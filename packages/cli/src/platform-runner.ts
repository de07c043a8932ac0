import type { Platform, PlatformOptions } from '@abca/server';
import { isDebug } from './command-kit.ts';
import type { Env } from './context.ts';
import { EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';
import { loadServer } from './server-module.ts';

/** Signals closer together than this are one (see `stop` below). */
const SAME_SIGNAL_MS = 1000;

/**
 * Starts the platform for `serve` / `worker`, prints what went wrong and how to fix it when it
 * cannot start (no stack trace), and stops it gracefully on SIGINT / SIGTERM (exit 0): a drain,
 * bounded by ABCA_STOP_TIMEOUT_S, after which the running tasks resume on the next start or on
 * another worker. A second signal exits at once (as safe as a crash: the tasks resume all the same).
 * Resolves with the running platform, or an exit code when it did not start.
 */
export async function runPlatform(
  out: Output,
  env: Env,
  opts: Omit<PlatformOptions, 'env'>,
): Promise<{ platform: Platform } | { exitCode: number }> {
  // Loaded here, not at the top: client commands should not pay for the server's dependencies.
  const server = await loadServer();
  let platform: Platform;
  try {
    platform = await server.startPlatform({ ...opts, env });
  } catch (err) {
    return { exitCode: reportStartFailure(out, err, env, opts, server) };
  }
  let stopping = false;
  let forced = false;
  let firstSignalAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    // `npm start` forwards the terminal's Ctrl-C to its child, which gets it from the terminal too:
    // a repeat within a second is that one keypress, not a second one.
    if (stopping && Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    if (stopping) {
      forced = true;
      out.err(`${signal} again: stopping at once. Running tasks resume on the next start, as after a crash.`);
      // Sandboxes are killed first (a few seconds at most); a third signal does not wait even for that.
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      setTimeout(() => process.exit(EXIT.FAILURE), 3000);
      void platform
        .stopNow()
        .catch(() => {})
        .finally(() => process.exit(EXIT.FAILURE));
      return;
    }
    stopping = true;
    firstSignalAt = Date.now();
    const what = opts.mode === 'worker' ? 'ABCA worker' : 'ABCA';
    out.err(
      `${signal}: stopping ${what} (at most ${platform.config.stopTimeoutS} s, ABCA_STOP_TIMEOUT_S)… press Ctrl-C again to stop at once.`,
    );
    platform
      .stop({
        onDraining: (tasks) =>
          out.err(
            `draining: ${tasks} running task${tasks === 1 ? '' : 's'} will stop at the next turn and resume on the next start (or on another worker).`,
          ),
      })
      .then(() => {
        out.err(`${what} stopped.`);
        process.exit(forced ? EXIT.FAILURE : EXIT.OK);
      })
      .catch((err: unknown) => {
        out.err(`Error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(EXIT.FAILURE);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { platform };
}

function reportStartFailure(
  out: Output,
  err: unknown,
  env: Env,
  opts: Omit<PlatformOptions, 'env'>,
  { ConfigError, EmbeddedPostgresError, StateFolderInUseError }: typeof import('@abca/server'),
): number {
  const c = out.ce;
  const fix = (text: string) => out.err(`${c.bold('fix:')} ${text}`);
  if (err instanceof ConfigError) {
    out.err(c.red(c.bold('ABCA cannot start: the configuration is invalid.')));
    for (const p of err.problems) out.err(`  - ${p}`);
    fix('correct or unset the variables named above (`abca doctor` checks them all), then start again.');
    return EXIT.USAGE;
  }
  if (err instanceof StateFolderInUseError) {
    out.err(c.red(c.bold(`ABCA cannot start: ${err.message}`)));
    fix(err.remedy);
    return EXIT.FAILURE;
  }
  if (err instanceof EmbeddedPostgresError) {
    out.err(c.red(c.bold('ABCA cannot start its embedded PostgreSQL:')));
    out.err(`  ${err.message}`);
    fix(err.remedy);
    return EXIT.FAILURE;
  }
  const code = errnoCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'EADDRINUSE') {
    const port = opts.overrides?.port ?? env.ABCA_PORT ?? 8787;
    out.err(c.red(c.bold(`ABCA cannot start: port ${port} is already in use.`)));
    fix(
      'stop the other process on that port (another `abca serve`?), or choose another port with --port or ABCA_PORT.',
    );
    return EXIT.FAILURE;
  }
  if (code === 'EACCES' && /listen/i.test(message)) {
    out.err(c.red(c.bold(`ABCA cannot start: not allowed to listen (${message}).`)));
    fix('use a port above 1023 with --port or ABCA_PORT.');
    return EXIT.FAILURE;
  }
  if (
    code &&
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '28P01', '3D000', '28000'].includes(code)
  ) {
    out.err(c.red(c.bold(`ABCA cannot reach its PostgreSQL database (${code}): ${message}`)));
    fix(
      env.DATABASE_URL
        ? 'check that the server in DATABASE_URL is running and the user, password and database are right; or unset DATABASE_URL to use the embedded PostgreSQL.'
        : 'run `abca doctor`; or set DATABASE_URL to a PostgreSQL server you run.',
    );
    return EXIT.FAILURE;
  }
  out.err(c.red(c.bold(`ABCA failed to start: ${message}`)));
  if (isDebug(env) && err instanceof Error && err.stack) out.err(c.dim(err.stack));
  else fix('run `abca doctor` to check the prerequisites; set ABCA_DEBUG=1 for the stack trace.');
  return EXIT.FAILURE;
}

function errnoCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
