/** What DBOS would otherwise set on each new connection of its pool: its default, 60 s. */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The system database URL handed to DBOS, with `idle_in_transaction_session_timeout` in the
 * connection's startup options. Without it DBOS sets the timeout with a query fired from its pool's
 * `connect` event, which overlaps the borrower's first query on the same client (pg's "client is
 * already executing a query" deprecation warning, an error in pg 9) and costs a round trip per
 * connection. A URL that already sets the timeout is left as it is.
 */
export function dbosDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const options = parsed.searchParams.get('options') ?? '';
  if (options.includes('idle_in_transaction_session_timeout')) return url;
  const setting = `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`;
  parsed.searchParams.set('options', options ? `${options} ${setting}` : setting);
  return parsed.toString();
}
