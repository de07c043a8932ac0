import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../src/index.ts';
import { failure, octokitFor, quiet } from './support/octokit.ts';

let gh: FakeGitHub;

beforeAll(async () => {
  gh = await startFakeGitHub({
    repos: [
      { owner: 'acme', name: 'app' },
      { owner: 'acme', name: 'secret', private: true },
    ],
    tokens: {
      writer: { login: 'alice', permissions: 'write' },
      reader: { login: 'rita', permissions: 'read' },
      outsider: { login: 'olga', permissions: 'none' },
    },
  });
});

afterAll(() => gh?.close());

const TO_DRAFT =
  'mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { id isDraft } } }';
const TO_READY =
  'mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { id isDraft } } }';
const THREADS = `query($owner: String!, $name: String!, $number: Int!, $first: Int, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: $first, after: $after) {
        totalCount
        nodes {
          isResolved isOutdated path line originalLine
          comments(first: 100) { nodes { author { login } body } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

/** POSTs a GraphQL body as-is, for asserting on the raw HTTP answer. */
async function post(
  body: unknown,
  token: string | undefined = 'writer',
  url = `${gh.webUrl}/graphql`,
): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function restDraft(octokit: Octokit, pull_number: number): Promise<boolean | undefined> {
  return (await octokit.rest.pulls.get({ owner: 'acme', repo: 'app', pull_number })).data.draft;
}

describe('GraphQL: draft ⇄ ready for review', () => {
  it('flips the draft state, as REST then reports, at /api/graphql (GHES) and /graphql', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'Draft me', head: 'feature-draft' });
    for (const baseUrl of [gh.apiUrl, gh.webUrl]) {
      const octokit = octokitFor(baseUrl, 'writer');
      const nodeId = (await octokit.rest.pulls.get({ owner: 'acme', repo: 'app', pull_number: number })).data
        .node_id;
      expect(gh.pulls('acme', 'app').find((p) => p.number === number)?.nodeId).toBe(nodeId);

      const drafted = await octokit.graphql(TO_DRAFT, { id: nodeId });
      expect(drafted).toEqual({ convertPullRequestToDraft: { pullRequest: { id: nodeId, isDraft: true } } });
      expect(await restDraft(octokit, number)).toBe(true);

      const ready = await octokit.graphql(TO_READY, { id: nodeId });
      expect(ready).toEqual({
        markPullRequestReadyForReview: { pullRequest: { id: nodeId, isDraft: false } },
      });
      expect(await restDraft(octokit, number)).toBe(false);
    }
    const paths = gh.requests
      .filter((r) => r.method === 'POST' && /graphql$/.test(r.path))
      .map((r) => r.path);
    expect(paths).toEqual(['/api/graphql', '/api/graphql', '/graphql', '/graphql']);
  });

  it('answers only the selected fields, with aliases and the clientMutationId given', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'Alias', head: 'feature-alias' });
    const nodeId = gh.pulls('acme', 'app').find((p) => p.number === number)!.nodeId;
    const { status, json } = await post({
      query:
        'mutation Flip($id: ID!) { flip: convertPullRequestToDraft(input: {pullRequestId: $id, clientMutationId: "c1"}) { clientMutationId __typename pullRequest { number } } }',
      variables: { id: nodeId },
    });
    expect(status).toBe(200);
    expect(json).toEqual({
      data: {
        flip: {
          clientMutationId: 'c1',
          __typename: 'ConvertPullRequestToDraftPayload',
          pullRequest: { number },
        },
      },
    });
  });

  it('answers 401 without a token or with an unknown one', async () => {
    const anonymous = await failure(
      new Octokit({ baseUrl: gh.apiUrl, log: quiet }).graphql(TO_READY, { id: 'x' }),
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.response.data.message).toBe('This endpoint requires you to be authenticated.');
    const wrong = await failure(octokitFor(gh.apiUrl, 'nope').graphql(TO_READY, { id: 'x' }));
    expect(wrong.status).toBe(401);
    expect(wrong.response.data.message).toBe('Bad credentials');
    expect(gh.requests.at(-1)).toMatchObject({ path: '/api/graphql', status: 401, authorization: 'token' });
  });

  it('refuses a read-only token with FORBIDDEN and a hidden repository with NOT_FOUND, changing nothing', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'Read only', head: 'feature-ro', draft: true });
    const nodeId = gh.pulls('acme', 'app').find((p) => p.number === number)!.nodeId;
    const reader = await post({ query: TO_READY, variables: { id: nodeId } }, 'reader');
    expect(reader.status).toBe(200);
    expect(reader.json).toEqual({
      data: { markPullRequestReadyForReview: null },
      errors: [
        {
          type: 'FORBIDDEN',
          path: ['markPullRequestReadyForReview'],
          locations: [{ line: 1, column: 22 }],
          message: 'Resource not accessible by personal access token',
        },
      ],
    });
    expect(gh.pulls('acme', 'app').find((p) => p.number === number)?.draft).toBe(true);

    const secret = gh.addPullRequest('acme', 'secret', { title: 'Hidden', head: 'x', draft: true });
    const secretId = gh.pulls('acme', 'secret').find((p) => p.number === secret)!.nodeId;
    const outsider = await post({ query: TO_READY, variables: { id: secretId } }, 'outsider');
    expect(outsider.json.errors).toMatchObject([
      { type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${secretId}'` },
    ]);
    expect(gh.pulls('acme', 'secret')[0]?.draft).toBe(true);
    // Octokit turns the 200-with-errors into a GraphqlResponseError.
    const thrown = (await failure(octokitFor(gh.apiUrl, 'reader').graphql(TO_READY, { id: nodeId }))) as any;
    expect(thrown.name).toBe('GraphqlResponseError');
    expect(thrown.errors[0].type).toBe('FORBIDDEN');
  });

  it('answers an unknown node id with NOT_FOUND', async () => {
    for (const id of ['MDExOlB1bGxSZXF1ZXN0OTk5OTk5', 'not-a-node-id']) {
      const { status, json } = await post({ query: TO_DRAFT, variables: { id } });
      expect(status).toBe(200);
      expect(json.data).toEqual({ convertPullRequestToDraft: null });
      expect(json.errors).toMatchObject([
        { type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${id}'` },
      ]);
    }
  });
});

describe('GraphQL: what the fake does not answer', () => {
  it('refuses an unknown operation, field or document with errors and no data (HTTP 200)', async () => {
    const cases: [unknown, RegExp][] = [
      [{ query: '{ viewer { login } }' }, /Field 'viewer' doesn't exist on type 'Query'/],
      [
        { query: 'mutation { mergePullRequest(input: {pullRequestId: "x"}) { clientMutationId } }' },
        /mergePullRequest/,
      ],
      [
        { query: '{ repository(owner: "acme", name: "app") { name ' },
        /^Syntax Error: Expected Name, found <EOF>/,
      ],
      [{ query: '{ ...F }' }, /Unknown fragment "F"/],
      [{ query: TO_DRAFT }, /Variable "\$id" of required type "ID!" was not provided/],
      [{ query: '{ repository(owner: $o, name: "app") { name } }' }, /Variable "\$o" is not defined/],
      [{}, /A query attribute must be specified/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await post(body);
      expect(status).toBe(200);
      expect(json.data).toBeUndefined();
      expect(json.errors).toHaveLength(1);
      expect(json.errors[0].message).toMatch(message);
    }
  });

  it('changes nothing when a mutation’s selection is refused', async () => {
    const number = gh.addPullRequest('acme', 'app', { title: 'Keep', head: 'feature-keep' });
    const nodeId = gh.pulls('acme', 'app').find((p) => p.number === number)!.nodeId;
    const { json } = await post({ query: TO_DRAFT.replace('isDraft', 'merged'), variables: { id: nodeId } });
    expect(json.errors[0].extensions).toMatchObject({ code: 'undefinedField', fieldName: 'merged' });
    expect(gh.pulls('acme', 'app').find((p) => p.number === number)?.draft).toBe(false);
  });

  it('applies injected faults to /graphql, whichever URL Octokit uses', async () => {
    gh.fail({ method: 'POST', path: '/graphql' }, { status: 502 });
    const error = await failure(octokitFor(gh.apiUrl, 'writer').graphql(TO_READY, { id: 'x' }));
    expect(error.status).toBe(502);
  });
});

describe('GraphQL: review threads', () => {
  let number: number;
  let resolvedRoot: number;
  let outdatedRoot: number;

  beforeAll(() => {
    number = gh.addPullRequest('acme', 'app', { title: 'Reviewed', head: 'feature-review' });
    const open = gh.addReviewComment('acme', 'app', number, {
      path: 'a.ts',
      line: 3,
      body: 'Why?',
      author: 'bob',
    });
    gh.addReviewComment('acme', 'app', number, { path: 'a.ts', line: 3, body: 'Because', inReplyTo: open });
    resolvedRoot = gh.addReviewComment('acme', 'app', number, {
      path: 'b.ts',
      line: 7,
      body: 'Nit',
      author: 'carol',
    });
    const reply = gh.addReviewComment('acme', 'app', number, {
      path: 'b.ts',
      line: 7,
      body: 'Fixed',
      inReplyTo: resolvedRoot,
    });
    outdatedRoot = gh.addReviewComment('acme', 'app', number, {
      path: 'c.ts',
      line: 9,
      body: 'Old',
      author: 'dan',
    });
    // Any comment of a thread names it.
    gh.updateReviewThread('acme', 'app', number, reply, { resolved: true });
    gh.updateReviewThread('acme', 'app', number, outdatedRoot, { outdated: true });
  });

  it('returns every thread with isResolved, isOutdated, its place and its comments in order', async () => {
    const data: any = await octokitFor(gh.apiUrl, 'reader').graphql(THREADS, {
      owner: 'acme',
      name: 'app',
      number,
      first: 100,
    });
    expect(data.repository.pullRequest.reviewThreads).toEqual({
      totalCount: 3,
      nodes: [
        {
          isResolved: false,
          isOutdated: false,
          path: 'a.ts',
          line: 3,
          originalLine: 3,
          comments: {
            nodes: [
              { author: { login: 'bob' }, body: 'Why?' },
              { author: { login: 'acme' }, body: 'Because' },
            ],
          },
        },
        {
          isResolved: true,
          isOutdated: false,
          path: 'b.ts',
          line: 7,
          originalLine: 7,
          comments: {
            nodes: [
              { author: { login: 'carol' }, body: 'Nit' },
              { author: { login: 'acme' }, body: 'Fixed' },
            ],
          },
        },
        {
          isResolved: false,
          isOutdated: true,
          path: 'c.ts',
          line: null,
          originalLine: 9,
          comments: { nodes: [{ author: { login: 'dan' }, body: 'Old' }] },
        },
      ],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
  });

  it('pages with first/after', async () => {
    const octokit = octokitFor(gh.apiUrl, 'writer');
    const paths: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const data: any = await octokit.graphql(THREADS, {
        owner: 'acme',
        name: 'app',
        number,
        first: 2,
        after,
      });
      const threads = data.repository.pullRequest.reviewThreads;
      paths.push(...threads.nodes.map((t: { path: string }) => t.path));
      if (!threads.pageInfo.hasNextPage) break;
      after = threads.pageInfo.endCursor;
    }
    expect(paths).toEqual(['a.ts', 'b.ts', 'c.ts']);
  });

  it('reopens a thread', async () => {
    gh.updateReviewThread('acme', 'app', number, resolvedRoot, { resolved: false });
    const data: any = await octokitFor(gh.apiUrl, 'writer').graphql(THREADS, {
      owner: 'acme',
      name: 'app',
      number,
      first: 100,
    });
    expect(data.repository.pullRequest.reviewThreads.nodes.map((t: any) => t.isResolved)).toEqual([
      false,
      false,
      false,
    ]);
    gh.updateReviewThread('acme', 'app', number, resolvedRoot, { resolved: true });
  });

  it('nulls `line` of an outdated thread’s comments over REST too', async () => {
    const { data } = await octokitFor(gh.apiUrl, 'writer').rest.pulls.listReviewComments({
      owner: 'acme',
      repo: 'app',
      pull_number: number,
    });
    const old = data.find((c) => c.id === outdatedRoot)!;
    expect(old).toMatchObject({ line: null, original_line: 9, position: null });
    expect(data.find((c) => c.id === resolvedRoot)).toMatchObject({ line: 7 });
  });

  it('answers a hidden repository, a missing pull request and missing pagination with typed errors', async () => {
    const hidden = await post(
      { query: THREADS, variables: { owner: 'acme', name: 'secret', number: 1, first: 10 } },
      'outsider',
    );
    expect(hidden.json).toMatchObject({
      data: { repository: null },
      errors: [
        {
          type: 'NOT_FOUND',
          path: ['repository'],
          message: "Could not resolve to a Repository with the name 'acme/secret'.",
        },
      ],
    });
    const missing = await post({
      query: THREADS,
      variables: { owner: 'acme', name: 'app', number: 999, first: 10 },
    });
    expect(missing.json).toMatchObject({
      data: { repository: { pullRequest: null } },
      errors: [{ type: 'NOT_FOUND', path: ['repository', 'pullRequest'] }],
    });
    const unbounded = await post({ query: THREADS, variables: { owner: 'acme', name: 'app', number } });
    expect(unbounded.json.errors).toMatchObject([
      { type: 'MISSING_PAGINATION_BOUNDARIES', path: ['repository', 'pullRequest', 'reviewThreads'] },
    ]);
    const excessive = await post({
      query: THREADS,
      variables: { owner: 'acme', name: 'app', number, first: 101 },
    });
    expect(excessive.json.errors).toMatchObject([{ type: 'EXCESSIVE_PAGINATION' }]);
  });

  it('answers a bad cursor and a negative `first` with typed errors', async () => {
    const bad = await post({
      query: THREADS,
      variables: { owner: 'acme', name: 'app', number, first: 1, after: 'bm90LWEtY3Vyc29y' },
    });
    expect(bad.json.errors).toMatchObject([
      { type: 'INVALID_CURSOR_ARGUMENTS', path: ['repository', 'pullRequest', 'reviewThreads'] },
    ]);
    const negative = await post({
      query: THREADS,
      variables: { owner: 'acme', name: 'app', number, first: -1 },
    });
    expect(negative.json.errors).toMatchObject([{ type: 'INVALID_PAGINATION' }]);
  });

  it('takes fragments, directives and __typename, as graphql-js does', async () => {
    const { json } = await post({
      query: `query Q($number: Int!, $withBody: Boolean!) {
        repository(owner: "acme", name: "app") { pullRequest(number: $number) { ...Threads } }
      }
      fragment Threads on PullRequest {
        reviewThreads(first: 1) {
          nodes { comments(first: 1) { nodes { body @include(if: $withBody) author { __typename ... on User { login } } } } }
        }
      }`,
      variables: { number, withBody: false },
    });
    expect(json).toEqual({
      data: {
        repository: {
          pullRequest: {
            reviewThreads: {
              nodes: [{ comments: { nodes: [{ author: { __typename: 'User', login: 'bob' } }] } }],
            },
          },
        },
      },
    });
  });
});
