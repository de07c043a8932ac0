import { notAccessibleMessage, type Principal, repoPermission } from '../auth.ts';
import { nodeId, parseNodeId } from '../node-ids.ts';
import type { Urls } from '../rest/route.ts';
import {
  allows,
  now,
  type RepoState,
  type ReviewComment,
  type ReviewThread,
  type Thread,
  type World,
} from '../state.ts';
import { reviewThreadComments } from '../threads.ts';
import { DocumentError, type Field, type Operation, parseOperation } from './parse.ts';

/**
 * GitHub's GraphQL API, as far as ABCA uses it: not a GraphQL engine, a few explicit resolvers
 * (`Query.repository → Repository.pullRequest → PullRequest.reviewThreads → comments`, and the
 * mutations `convertPullRequestToDraft` / `markPullRequestReadyForReview`) whose objects are
 * projected onto the request's selection set. A field the fake does not model is refused as
 * GitHub refuses an unknown field: HTTP 200, `errors`, no `data`.
 */

/** An object: field values, or resolvers taking the field's arguments. */
interface GqlObject {
  readonly __typename: string;
  readonly [field: string]: unknown;
}

type Args = Readonly<Record<string, unknown>>;

/** A field that failed at run time: it reads null and the error carries GitHub's `type`. */
class FieldError extends Error {
  constructor(
    readonly type:
      | 'NOT_FOUND'
      | 'FORBIDDEN'
      | 'MISSING_PAGINATION_BOUNDARIES'
      | 'EXCESSIVE_PAGINATION'
      | 'INVALID_CURSOR_ARGUMENTS',
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

interface Execution {
  readonly world: World;
  readonly principal: Principal;
  readonly urls: Urls;
  /** False on the first, checking pass: mutations check everything but change nothing. */
  readonly apply: boolean;
  readonly errors: Record<string, unknown>[];
}

const CURSOR_PREFIX = 'cursor:v2:';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidArgument(argument: string, field: Field): DocumentError {
  return new DocumentError(
    `Argument '${argument}' on Field '${field.name}' has an invalid value. Expected type '${argument === 'input' ? 'Input' : 'scalar'}!'.`,
    field.location,
    { code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: argument },
  );
}

/** A page of `nodes` (GitHub's `first`/`after` cursor pagination; `first` is required, at most 100). */
function connection(name: string, nodeType: string, nodes: readonly GqlObject[], args: Args): GqlObject {
  if (args.last != null || args.before != null)
    throw new DocumentError(`fake-github pages \`${name}\` with first/after only`);
  const first = args.first;
  if (first == null)
    throw new FieldError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0)
    throw new DocumentError(`Argument 'first' on Field '${name}' has an invalid value.`);
  if (first > 100)
    throw new FieldError(
      'EXCESSIVE_PAGINATION',
      `Requesting ${first} records on the \`${name}\` connection exceeds the \`first\` limit of 100 records.`,
    );
  let start = 0;
  if (args.after != null) {
    const decoded = typeof args.after === 'string' ? Buffer.from(args.after, 'base64').toString('utf8') : '';
    const index = decoded.startsWith(CURSOR_PREFIX)
      ? Number(decoded.slice(CURSOR_PREFIX.length))
      : Number.NaN;
    if (!Number.isInteger(index) || index < 0)
      throw new FieldError(
        'INVALID_CURSOR_ARGUMENTS',
        `\`${String(args.after)}\` does not appear to be a valid cursor.`,
      );
    start = index + 1;
  }
  const cursor = (index: number) => Buffer.from(`${CURSOR_PREFIX}${index}`).toString('base64');
  const page = nodes.slice(start, start + first);
  return {
    __typename: `${nodeType}Connection`,
    totalCount: nodes.length,
    nodes: page,
    edges: page.map((node, offset) => ({
      __typename: `${nodeType}Edge`,
      cursor: cursor(start + offset),
      node,
    })),
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: start + page.length < nodes.length,
      hasPreviousPage: start > 0,
      startCursor: page.length > 0 ? cursor(start) : null,
      endCursor: page.length > 0 ? cursor(start + page.length - 1) : null,
    },
  };
}

/** GraphQL names a bot by its slug (`abca`), where REST says `abca[bot]`. */
function actorObject(login: string): GqlObject {
  const bot = login.endsWith('[bot]');
  return { __typename: bot ? 'Bot' : 'User', login: bot ? login.slice(0, -'[bot]'.length) : login };
}

function commentObject(
  exec: Execution,
  repo: RepoState,
  thread: Thread,
  comment: ReviewComment,
  outdated: boolean,
): GqlObject {
  return {
    __typename: 'PullRequestReviewComment',
    id: nodeId('PullRequestReviewComment', comment.id),
    databaseId: comment.id,
    author: actorObject(comment.author),
    body: comment.body,
    path: comment.path,
    line: outdated ? null : comment.line,
    originalLine: comment.line,
    outdated,
    createdAt: comment.createdAt,
    url: `${exec.urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}#discussion_r${comment.id}`,
  };
}

function reviewThreadObject(
  exec: Execution,
  repo: RepoState,
  thread: Thread,
  review: ReviewThread,
): GqlObject {
  const comments = reviewThreadComments(thread.pull!, review);
  const root = comments[0]!;
  return {
    __typename: 'PullRequestReviewThread',
    id: nodeId('PullRequestReviewThread', review.id),
    isResolved: review.resolved,
    isOutdated: review.outdated,
    isCollapsed: review.resolved,
    path: root.path,
    line: review.outdated ? null : root.line,
    originalLine: root.line,
    startLine: null,
    originalStartLine: null,
    diffSide: root.side,
    comments: (args: Args) =>
      connection(
        'comments',
        'PullRequestReviewComment',
        comments.map((comment) => commentObject(exec, repo, thread, comment, review.outdated)),
        args,
      ),
  };
}

function pullObject(exec: Execution, repo: RepoState, thread: Thread): GqlObject {
  const pull = thread.pull!;
  return {
    __typename: 'PullRequest',
    id: nodeId('PullRequest', pull.id),
    databaseId: pull.id,
    number: thread.number,
    title: thread.title,
    body: thread.body ?? '',
    isDraft: pull.draft,
    state: pull.merged ? 'MERGED' : thread.state === 'open' ? 'OPEN' : 'CLOSED',
    headRefName: pull.head,
    baseRefName: pull.base,
    url: `${exec.urls.web}/${repo.owner}/${repo.name}/pull/${thread.number}`,
    reviewThreads: (args: Args) =>
      connection(
        'reviewThreads',
        'PullRequestReviewThread',
        pull.reviewThreads.map((review) => reviewThreadObject(exec, repo, thread, review)),
        args,
      ),
  };
}

function repositoryObject(exec: Execution, field: Field): GqlObject {
  const { owner, name } = field.args;
  if (typeof owner !== 'string') throw invalidArgument('owner', field);
  if (typeof name !== 'string') throw invalidArgument('name', field);
  const repo = exec.world.repo(owner, name);
  if (!repo || repoPermission(exec.principal, repo) === 'none')
    throw new FieldError('NOT_FOUND', `Could not resolve to a Repository with the name '${owner}/${name}'.`);
  return {
    __typename: 'Repository',
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    isPrivate: repo.private,
    url: `${exec.urls.web}/${repo.owner}/${repo.name}`,
    pullRequest: ({ number }: Args) => {
      if (typeof number !== 'number' || !Number.isInteger(number))
        throw new DocumentError(`Argument 'number' on Field 'pullRequest' has an invalid value.`);
      const thread = repo.threads.get(number);
      if (!thread?.pull)
        throw new FieldError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${number}.`);
      return pullObject(exec, repo, thread);
    },
  };
}

/** `convertPullRequestToDraft` (draft) or `markPullRequestReadyForReview`: needs write access. */
function setDraft(exec: Execution, field: Field, draft: boolean): GqlObject {
  const input = field.args.input;
  if (!isRecord(input) || typeof input.pullRequestId !== 'string') throw invalidArgument('input', field);
  const id = parseNodeId('PullRequest', input.pullRequestId);
  let found: { repo: RepoState; thread: Thread } | undefined;
  for (const repo of exec.world.repos.values()) {
    for (const thread of repo.threads.values())
      if (id !== undefined && thread.pull?.id === id) found = { repo, thread };
  }
  const permission = found ? repoPermission(exec.principal, found.repo) : 'none';
  if (!found || permission === 'none')
    throw new FieldError(
      'NOT_FOUND',
      `Could not resolve to a node with the global id of '${input.pullRequestId}'`,
    );
  if (!allows(permission, 'write')) throw new FieldError('FORBIDDEN', notAccessibleMessage(exec.principal));
  const { repo, thread } = found;
  if (exec.apply && thread.pull!.draft !== draft) {
    thread.pull!.draft = draft;
    thread.updatedAt = now();
  }
  return {
    __typename: draft ? 'ConvertPullRequestToDraftPayload' : 'MarkPullRequestReadyForReviewPayload',
    clientMutationId: typeof input.clientMutationId === 'string' ? input.clientMutationId : null,
    pullRequest: pullObject(exec, repo, thread),
  };
}

/** The root fields: resolvers that see their own field (for its arguments and location). */
function root(exec: Execution, kind: Operation['kind']): Record<string, (field: Field) => GqlObject> {
  if (kind === 'mutation') {
    return {
      convertPullRequestToDraft: (field) => setDraft(exec, field, true),
      markPullRequestReadyForReview: (field) => setDraft(exec, field, false),
    };
  }
  return { repository: (field) => repositoryObject(exec, field) };
}

function selectValue(exec: Execution, value: unknown, field: Field, path: (string | number)[]): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => selectValue(exec, item, field, [...path, index]));
  if (isRecord(value)) {
    if (!field.selection)
      throw new DocumentError(
        `Field must have selections (field '${field.name}' returns ${String(value.__typename)} but has no selections. Did you mean '${field.name} { ... }'?)`,
        field.location,
        { code: 'selectionMismatch', nodeName: `field '${field.name}'` },
      );
    return selectObject(exec, value as GqlObject, field.selection, path);
  }
  if (field.selection)
    throw new DocumentError(
      `Selections can't be made on scalars (field '${field.name}' has selections)`,
      field.location,
      { code: 'selectionMismatch', nodeName: `field '${field.name}'` },
    );
  return value;
}

/** Runs `resolve` for a field; a {@link FieldError} makes the field null and lands in `errors`. */
function settle(exec: Execution, field: Field, path: (string | number)[], resolve: () => unknown): unknown {
  try {
    return selectValue(exec, resolve(), field, path);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    exec.errors.push({ type: error.type, path, locations: [field.location], message: error.message });
    return null;
  }
}

function undefinedField(typeName: string, field: Field): DocumentError {
  return new DocumentError(
    `Field '${field.name}' doesn't exist on type '${typeName}' (fake-github models a subset of GitHub's schema)`,
    field.location,
    { code: 'undefinedField', typeName, fieldName: field.name },
  );
}

function selectObject(
  exec: Execution,
  object: GqlObject,
  selection: readonly Field[],
  path: (string | number)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of selection) {
    if (field.name === '__typename') {
      out[field.key] = selectValue(exec, object.__typename, field, [...path, field.key]);
      continue;
    }
    if (!Object.hasOwn(object, field.name)) throw undefinedField(object.__typename, field);
    out[field.key] = settle(exec, field, [...path, field.key], () => {
      const value = object[field.name];
      return typeof value === 'function' ? (value as (args: Args) => unknown)(field.args) : value;
    });
  }
  return out;
}

function run(exec: Execution, operation: Operation): Record<string, unknown> {
  const typeName = operation.kind === 'mutation' ? 'Mutation' : 'Query';
  const fields = root(exec, operation.kind);
  const data: Record<string, unknown> = {};
  for (const field of operation.selection) {
    if (field.name === '__typename') {
      data[field.key] = typeName;
      continue;
    }
    const resolve = fields[field.name];
    if (!resolve) throw undefinedField(typeName, field);
    data[field.key] = settle(exec, field, [field.key], () => resolve(field));
  }
  return data;
}

/**
 * Answers one GraphQL request body (`{ query, variables? }`) for an authenticated caller: always
 * HTTP 200, with `data` and/or `errors` as GitHub does.
 */
export function answerGraphql(
  deps: { world: World; principal: Principal; urls: Urls },
  body: unknown,
): Record<string, unknown> {
  const request = isRecord(body) ? body : {};
  if (typeof request.query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  const variables = request.variables ?? {};
  if (!isRecord(variables)) return { errors: [{ message: 'Variables are invalid JSON.' }] };
  try {
    const operation = parseOperation(request.query, variables);
    if (operation.kind === 'subscription')
      throw new DocumentError('Subscriptions are not supported over HTTP', undefined, {
        code: 'subscription',
      });
    // A first pass that changes nothing, so a document refused halfway leaves the state as it was.
    run({ ...deps, apply: false, errors: [] }, operation);
    const exec: Execution = { ...deps, apply: true, errors: [] };
    const data = run(exec, operation);
    return exec.errors.length > 0 ? { data, errors: exec.errors } : { data };
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    return {
      errors: [
        {
          message: error.message,
          ...(error.location ? { locations: [error.location] } : {}),
          ...(error.extensions ? { extensions: error.extensions } : {}),
        },
      ],
    };
  }
}
