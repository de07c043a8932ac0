import { typedError } from './errors.ts';

/** The arguments of a connection field (GitHub's `first`/`after`; the fake has no `last`/`before`). */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

const CURSOR_PREFIX = 'cursor:v2:';
const MAX_FIRST = 100;

function cursor(index: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${index}`).toString('base64');
}

/** The index a cursor names; undefined for a string that is not one of the fake's cursors. */
function cursorIndex(value: string): number | undefined {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX)) return undefined;
  const index = Number(decoded.slice(CURSOR_PREFIX.length));
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

/**
 * A page of `nodes`, as GitHub pages a connection: `first` is required and at most 100, `after`
 * is the cursor of the last node already seen.
 */
export function connection<T>(name: string, nodes: readonly T[], { first, after }: PageArgs) {
  if (first == null)
    throw typedError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  if (first < 0)
    throw typedError('INVALID_PAGINATION', '`first` on the connection cannot be less than zero.');
  if (first > MAX_FIRST)
    throw typedError(
      'EXCESSIVE_PAGINATION',
      `Requesting ${first} records on the \`${name}\` connection exceeds the \`first\` limit of ${MAX_FIRST} records.`,
    );
  let start = 0;
  if (after != null) {
    const index = cursorIndex(after);
    if (index === undefined)
      throw typedError('INVALID_CURSOR_ARGUMENTS', `\`${after}\` does not appear to be a valid cursor.`);
    start = index + 1;
  }
  const page = nodes.slice(start, start + first);
  return {
    totalCount: nodes.length,
    nodes: page,
    edges: page.map((node, offset) => ({ cursor: cursor(start + offset), node })),
    pageInfo: {
      hasNextPage: start + page.length < nodes.length,
      hasPreviousPage: start > 0,
      startCursor: page.length > 0 ? cursor(start) : null,
      endCursor: page.length > 0 ? cursor(start + page.length - 1) : null,
    },
  };
}
