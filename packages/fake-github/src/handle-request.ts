import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Credentials, type Principal, repoPermission } from './auth.ts';
import type { LoggedRequest } from './fake-github.ts';
import type { FaultResponse, Faults } from './faults.ts';
import { serveGitHttp } from './git-http.ts';
import { answerGraphql } from './graphql/handle.ts';
import { HttpError } from './http-error.ts';
import { announcePush, branchHeads } from './push-events.ts';
import { type RateLimits, rateLimitHeaders } from './rate-limit.ts';
import type { Urls } from './rest/route.ts';
import type { Router } from './rest/router.ts';
import { allows, type World } from './state.ts';

export interface RequestHandlerDeps {
  readonly world: World;
  readonly credentials: Credentials;
  readonly router: Router;
  readonly faults: Faults;
  readonly limits: RateLimits;
  readonly urls: () => Urls;
  readonly projectRoot: string;
  readonly log: LoggedRequest[];
}

const API_PREFIX = '/api/v3';
const GRAPHQL_PATH = '/graphql';
const GHES_GRAPHQL_PATH = '/api/graphql';
const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

function sendJson(
  res: ServerResponse,
  entry: LoggedRequest,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  entry.status = status;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Problems parsing JSON');
  }
}

/** Answers a request with an injected fault; a `hang` is left unanswered until the server closes. */
function answerFault(
  res: ServerResponse,
  entry: LoggedRequest,
  fault: FaultResponse,
  principal: Principal,
  limits: RateLimits,
) {
  if (fault === 'hang') return;
  if (fault === 'rate-limit') {
    const window = limits.track(principal, false);
    const reset = String(Math.floor(Date.now() / 1000) + 60);
    const headers = { ...rateLimitHeaders(window), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset };
    const message =
      "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)";
    return sendJson(res, entry, 403, { message, documentation_url: RATE_LIMIT_DOCS, status: '403' }, headers);
  }
  if (fault === 'secondary-rate-limit') {
    const message =
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    return sendJson(
      res,
      entry,
      429,
      { message, documentation_url: RATE_LIMIT_DOCS, status: '429' },
      { 'retry-after': '1' },
    );
  }
  const body = fault.body ?? new HttpError(fault.status, `Injected fault (${fault.status})`).body();
  sendJson(res, entry, fault.status, body, fault.headers ?? {});
}

/** Git over smart HTTP: every request needs a credential; reading needs read access, pushing write. */
async function handleGit(
  req: IncomingMessage,
  res: ServerResponse,
  deps: RequestHandlerDeps,
  entry: LoggedRequest,
  path: string,
  query: string,
  principal: Principal | undefined,
) {
  const [, owner = '', name = '', action = ''] = GIT_PATH.exec(path) ?? [];
  const push =
    action === 'git-receive-pack' || new URLSearchParams(query).get('service') === 'git-receive-pack';
  const text = (status: number, body: string, headers: Record<string, string> = {}) => {
    entry.status = status;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };
  if (!principal || principal.kind === 'anonymous' || principal.kind === 'app') {
    req.resume();
    return text(
      401,
      'Invalid username or token. Password authentication is not supported for Git operations.\n',
      {
        'www-authenticate': 'Basic realm="GitHub"',
      },
    );
  }
  const repo = deps.world.repo(owner, name);
  const permission = repo ? repoPermission(principal, repo) : 'none';
  if (!repo || permission === 'none') {
    req.resume();
    return text(404, 'Repository not found.\n');
  }
  if (push && !allows(permission, 'write')) {
    req.resume();
    return text(403, `Permission to ${repo.owner}/${repo.name}.git denied to ${principal.login}.\n`);
  }
  const receiving = action === 'git-receive-pack';
  const before = receiving ? await branchHeads(repo.path) : undefined;
  await serveGitHttp(req, res, {
    projectRoot: deps.projectRoot,
    // The folder on disk keeps the case given at creation; the URL may differ in case.
    pathInfo: `/${repo.owner}/${repo.name}.git/${action}`,
    query,
    remoteUser: principal.login,
  });
  entry.status = res.statusCode;
  if (before) {
    // Held from the moment the push's answer ends: a client that settles the webhooks right after
    // its `git push` returned waits for the push's own events.
    const announcing = announcePush(deps.world, deps.urls(), repo, before, principal.login);
    deps.world.events.hold(announcing);
    await announcing;
  }
}

/**
 * Routes one request: faults first, then git smart HTTP, then GraphQL (`POST /graphql`, and
 * `/api/graphql` as on GitHub Enterprise), then the REST API (at `/api/v3` and at the root).
 */
export function createRequestHandler(deps: RequestHandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const [rawPath = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    // Octokit sends GraphQL to `<host>/api/graphql` when its base URL ends in `/api/v3` (GHES).
    const path =
      rawPath === GHES_GRAPHQL_PATH
        ? GRAPHQL_PATH
        : rawPath.startsWith(`${API_PREFIX}/`) || rawPath === API_PREFIX
          ? rawPath.slice(API_PREFIX.length) || '/'
          : rawPath;
    const auth = deps.credentials.authenticate(req.headers.authorization);
    const entry: LoggedRequest = { method, path: rawPath, query, status: 0, authorization: auth.scheme };
    deps.log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const principal: Principal = auth.ok ? auth.principal : { kind: 'anonymous' };
    const window = deps.limits.track(principal, path !== '/rate_limit');
    res.setHeader(
      'x-github-request-id',
      `${randomBytes(2).toString('hex')}:${randomBytes(4).toString('hex')}`.toUpperCase(),
    );
    res.setHeader('x-github-media-type', 'github.v3; format=json');
    res.setHeader('x-github-api-version-selected', '2022-11-28');
    for (const [name, value] of Object.entries(rateLimitHeaders(window))) res.setHeader(name, value);

    const fault = deps.faults.take(method, path);
    if (fault) {
      req.resume();
      return answerFault(res, entry, fault, principal, deps.limits);
    }
    if (GIT_PATH.test(path))
      return handleGit(req, res, deps, entry, path, query, auth.ok ? auth.principal : undefined);

    try {
      if (!auth.ok) throw new HttpError(401, auth.message);
      if (path.replace(/\/+$/, '') === GRAPHQL_PATH && method === 'POST') {
        if (principal.kind === 'anonymous')
          throw new HttpError(401, 'This endpoint requires you to be authenticated.');
        const body = await answerGraphql(
          { world: deps.world, principal, urls: deps.urls() },
          await readJson(req),
        );
        return sendJson(res, entry, 200, body);
      }
      const found = deps.router.match(method, path.replace(/\/+$/, '') || '/');
      if (!found) throw new HttpError(404, 'Not Found');
      const body = await readJson(req);
      const result = await found.route.handler({
        world: deps.world,
        credentials: deps.credentials,
        principal,
        params: found.params,
        query: new URLSearchParams(query),
        headers: req.headers,
        body,
        urls: deps.urls(),
      });
      if (result.text !== undefined) {
        entry.status = result.status;
        res.writeHead(result.status, {
          'content-type': result.contentType ?? 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(result.text),
          ...result.headers,
        });
        res.end(result.text);
        return;
      }
      sendJson(res, entry, result.status, result.body, result.headers);
    } catch (error) {
      req.resume();
      if (error instanceof HttpError) return sendJson(res, entry, error.status, error.body(), error.headers);
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, entry, 500, {
        message: `fake-github: ${message}`,
        documentation_url: 'https://docs.github.com/rest',
      });
    }
  };
}
