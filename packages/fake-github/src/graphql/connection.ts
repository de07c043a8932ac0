import { typedError } from './errors.ts';

/** The arguments of a connection field: `first`/`after` forwards, or `last`/`before` backwards. */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
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
export function connection<T>(name: string, nodes: readonly T[], { first, after, last, before }: PageArgs) {
  if (first == null && last == null)
    throw typedError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  if (first != null && last != null)
    throw typedError(
      'INVALID_PAGINATION',
      `Passing both \`first\` and \`last\` to paginate the \`${name}\` connection is not supported.`,
    );
  const size = (first ?? last) as number;
  const which = first != null ? 'first' : 'last';
  if (size < 0)
    throw typedError('INVALID_PAGINATION', `\`${which}\` on the connection cannot be less than zero.`);
  if (size > MAX_FIRST)
    throw typedError(
      'EXCESSIVE_PAGINATION',
      `Requesting ${size} records on the \`${name}\` connection exceeds the \`${which}\` limit of ${MAX_FIRST} records.`,
    );
  const at = (value: string) => {
    const index = cursorIndex(value);
    if (index === undefined)
      throw typedError('INVALID_CURSOR_ARGUMENTS', `\`${value}\` does not appear to be a valid cursor.`);
    return index;
  };
  // The window `after`/`before` leave, then its first or last `size` nodes.
  let start = after != null ? at(after) + 1 : 0;
  let end = before != null ? Math.min(at(before), nodes.length) : nodes.length;
  end = Math.max(end, start);
  if (first != null) end = Math.min(end, start + size);
  else start = Math.max(start, end - size);
  const page = nodes.slice(start, end);
  return {
    totalCount: nodes.length,
    nodes: page,
    edges: page.map((node, offset) => ({ cursor: cursor(start + offset), node })),
    pageInfo: {
      hasNextPage: end < nodes.length,
      hasPreviousPage: start > 0,
      startCursor: page.length > 0 ? cursor(start) : null,
      endCursor: page.length > 0 ? cursor(end - 1) : null,
    },
  };
}
