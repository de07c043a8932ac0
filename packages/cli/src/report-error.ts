import { ApiError, ServerUnreachableError } from './client.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';

/**
 * Prints an error without a stack trace (unless ABCA_DEBUG is set) and returns its exit code.
 * Under `--json` the error is one JSON object on stderr, so stdout stays parseable.
 */
export function reportError(
  out: Output,
  err: unknown,
  opts: { keySource?: string; debug?: boolean } = {},
): ExitCode {
  const c = out.ce;
  if (err instanceof CliError) {
    const hint = hintFor(err, opts.keySource);
    if (out.json) {
      out.err(
        JSON.stringify({
          error: {
            code: err.options.code ?? codeOf(err),
            message: err.message,
            ...(err.options.requestId ? { request_id: err.options.requestId } : {}),
            ...(err.options.details ? { details: err.options.details } : {}),
            ...(hint ? { hint } : {}),
            exit_code: err.exitCode,
          },
        }),
      );
      return err.exitCode;
    }
    out.err(`${c.red(c.bold(err.options.code ? `Error ${err.options.code}:` : 'Error:'))} ${err.message}`);
    // Field details the message already spells out are not repeated.
    for (const d of err.options.details ?? []) {
      if (!err.message.includes(`${d.field}: ${d.message}`)) out.err(`  - ${d.field}: ${d.message}`);
    }
    if (hint) out.err(c.dim(hint));
    if (err.options.requestId) out.err(c.dim(`request id: ${err.options.requestId}`));
    if (opts.debug && err.stack) out.err(c.dim(err.stack));
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (out.json) out.err(JSON.stringify({ error: { code: 'CLI_ERROR', message, exit_code: EXIT.FAILURE } }));
  else {
    out.err(`${c.red(c.bold('Error:'))} ${message}`);
    if (opts.debug && err instanceof Error && err.stack) out.err(c.dim(err.stack));
    else out.err(c.dim('Set ABCA_DEBUG=1 for the stack trace.'));
  }
  return EXIT.FAILURE;
}

function codeOf(err: CliError): string {
  if (err instanceof ServerUnreachableError) return 'SERVER_UNREACHABLE';
  if (err.exitCode === EXIT.AUTH) return 'NO_API_KEY';
  if (err.exitCode === EXIT.USAGE) return 'USAGE';
  return 'CLI_ERROR';
}

function hintFor(err: CliError, keySource: string | undefined): string | undefined {
  if (err instanceof ApiError && err.status === 401) {
    return `The API key${keySource ? ` from ${keySource}` : ''} was refused. Pass a valid key with --api-key or ABCA_API_KEY; an admin creates one with \`abca keys create <name>\`.`;
  }
  if (err instanceof ApiError && err.status === 403) {
    return 'Your key is valid but not allowed to do this; ask an admin (some commands need an admin key).';
  }
  return err.options.hint;
}
