import pg from 'pg';

/** What the profiling scripts (`bench/profile-*.ts`) share: their arguments and a query counter. */

/** `--name=value` from the command line, or undefined. */
export const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

/** The platform settings given on the command line as `ABCA_SETTING=value`. */
export function platformSettings(): Record<string, string> {
  return Object.fromEntries(
    process.argv
      .filter((a) => /^ABCA_[A-Z0-9_]+=/.test(a))
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
}

export interface QueryCount {
  /** Statements counted, by their first `width` characters (whitespace folded). */
  readonly queries: Map<string, number>;
  /** Counting on or off (off at first). */
  counting: boolean;
}

/** Counts the statements every `pg` client of this process sends while `counting` is on. */
export function countQueries(width: number): QueryCount {
  const count: QueryCount = { queries: new Map(), counting: false };
  const realQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    if (count.counting) {
      const first = a[0] as string | { text: string };
      const text = typeof first === 'string' ? first : first?.text;
      const k = String(text ?? '?')
        .replace(/\s+/g, ' ')
        .slice(0, width);
      count.queries.set(k, (count.queries.get(k) ?? 0) + 1);
    }
    return (realQuery as (...x: unknown[]) => unknown).apply(this, a);
  } as typeof realQuery;
  return count;
}
