import { type Context, Hono, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { githubWebhookRoutes } from '../channels/github/routes.ts';
import { slackRoutes } from '../channels/slack/routes.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { isMemoryImport, MAX_IMPORT_BYTES } from '../memory/memory-lines.ts';
import { AppError } from '../ops/errors.ts';
import { newUlid } from '../ops/ids.ts';
import { lazyChild } from '../ops/lazy-logger.ts';
import { requireKey } from './auth.ts';
import { clientGoneError } from './client-gone.ts';
import type { ApiDeps, AppEnv } from './deps.ts';
import { errorResponse } from './errors.ts';
import { inputGuard } from './input-guard.ts';
import { adminRoutes } from './routes/admin.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { changeRequestRoutes } from './routes/change-requests.ts';
import { envCacheRoutes } from './routes/env-cache.ts';
import { eventRoutes } from './routes/events.ts';
import { memoryRoutes } from './routes/memory.ts';
import { prLoopRoutes } from './routes/pr-loop.ts';
import { repoRoutes } from './routes/repos.ts';
import { statsRoutes } from './routes/stats.ts';
import { taskRoutes } from './routes/tasks.ts';
import { usageRoutes } from './routes/usage.ts';
import { userBudgetRoutes } from './routes/user-budgets.ts';
import { userIdentityRoutes } from './routes/user-identities.ts';
import { signedWebhookRoutes, webhookRoutes } from './routes/webhooks.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The HTTP API: `/v1/*` behind an API key, plus `/healthz` and `/readyz` (open: load balancers and
 * orchestrators probe them without keys) and `/metrics` behind any valid key (the figures name
 * repos and load), unless the operator gave metrics their own listener (`ABCA_METRICS_PORT`, see
 * metrics-app.ts), in which case the API has no `/metrics` at all. Every
 * response carries `X-Request-Id`; every error is `{ error: { code, message, request_id } }` with
 * its 4xx, and an unexpected failure is a logged 500 that names the request id, never a stack trace.
 */
export function createApp(deps: ApiDeps & { ready(): Promise<boolean> }) {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : newUlid();
    c.set('requestId', requestId);
    c.set('log', lazyChild(deps.log, { requestId }));
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await next();
    // A response built by the context (c.json, an error's answer) has it already; one a route made
    // itself gets it now. Setting it again would copy every answer into a new WHATWG Response.
    if (!c.res.headers.has('X-Request-Id')) c.header('X-Request-Id', requestId);
    deps.metrics.httpRequests.inc({ method: c.req.method, status: String(c.res.status) });
    // The request's line from the process's logger, with the request's ids: the request's own child
    // loggers are made only when a route logs (ops/lazy-logger.ts).
    if (c.req.path !== '/healthz' && c.req.path !== '/metrics' && deps.log.isLevelEnabled('info')) {
      const userId = c.get('principal')?.userId;
      deps.log.info(
        {
          requestId,
          ...(userId ? { userId } : {}),
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ok = await deps.ready().catch(() => false);
    return c.json({ status: ok ? 'ready' : 'not_ready' }, ok ? 200 : 503);
  });
  if (deps.config.metricsPort === undefined) {
    app.get('/metrics', requireKey(deps.db), async (c) => {
      c.header('Content-Type', deps.metrics.registry.contentType);
      return c.body(await deps.metrics.registry.metrics());
    });
  }

  // A memory import (JSON lines) may be larger than any other body: MAX_IMPORT_BYTES (8 MB).
  const apiLimit = limitBody(MAX_BODY_BYTES, '1 MB');
  const importLimit = limitBody(MAX_IMPORT_BYTES, '8 MB: split the import');
  app.use('/v1/*', (c, next) =>
    isMemoryImport(c.req.method, c.req.path) ? importLimit(c, next) : apiLimit(c, next),
  );
  // Channels (docs/channels.md): deliveries signed by their sender instead of an API key. The body
  // limit holds; each channel checks its signature over the raw bytes before it parses anything.
  app.use('/webhooks/*', apiLimit);
  // Signed by the sender's webhook secret, not an API key: before the key check (docs/channels.md).
  app.route('/v1/webhooks', signedWebhookRoutes(deps));
  app.route('/webhooks/github', githubWebhookRoutes(deps));
  app.route('/webhooks/slack', slackRoutes(deps));
  app.use('/v1/*', requireKey(deps.db));
  // Before every route, so a new route is covered without doing anything (input-guard.ts).
  app.use('/v1/*', inputGuard());
  app.route('/v1/tasks', taskRoutes(deps));
  app.route('/v1/tasks', eventRoutes(deps));
  app.route('/v1/tasks', approvalRoutes(deps));
  app.route('/v1/api-keys', apiKeyRoutes(deps));
  app.route('/v1/admin/env-cache', envCacheRoutes(deps));
  app.route('/v1/admin', adminRoutes(deps));
  // Before the repo routes: `/v1/repos/{repo}/memory` would read as `GET /v1/repos/{owner}/{name}`.
  app.route('/v1/repos', memoryRoutes(deps));
  app.route('/v1/repos', repoRoutes(deps));
  app.route('/v1/usage', usageRoutes(deps));
  app.route('/v1/stats', statsRoutes(deps));
  app.route('/v1/users', userBudgetRoutes(deps));
  app.route('/v1/webhooks', webhookRoutes(deps));
  app.route('/v1/users', userIdentityRoutes(deps));
  const changeRequests = changeRequestRoutes(deps);
  app.route('/v1/prs', changeRequests.prs);
  app.route('/v1/prs', prLoopRoutes(deps));
  app.route('/v1/tasks', changeRequests.tasks);
  // The web dashboard (docs/dashboard.md): its own session auth, on explicit paths outside /v1.
  app.route('/', dashboardRoutes(deps) as unknown as Hono<AppEnv>);

  app.notFound((c) =>
    errorResponse(
      c,
      new AppError(
        'NOT_FOUND',
        `No route ${c.req.method} ${c.req.path}; see the API reference in the README.`,
      ),
    ),
  );
  app.onError((err, c) => {
    if (err instanceof AppError) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      const code =
        err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status === 401 ? 'UNAUTHORIZED' : 'VALIDATION_ERROR';
      return errorResponse(c, new AppError(code, err.message || 'Bad request.'));
    }
    const gone = clientGoneError(c, err);
    if (gone) {
      // Normal traffic: a client that hung up (or ran out of its read deadline) mid-request.
      c.get('log')?.debug({ reason: (gone.cause as Error | undefined)?.message }, 'client went away');
      return c.body(null, 499 as ContentfulStatusCode);
    }
    c.get('log')?.error({ err }, 'unhandled error');
    return errorResponse(
      c,
      new AppError(
        'INTERNAL_ERROR',
        `Something failed on our side; quote request id ${c.get('requestId')} when reporting it.`,
      ),
    );
  });
  return app;
}

/**
 * The body limit: a larger body is refused unread with a 413. The rest of the body is not read: the
 * client must not reuse this connection (the server lingers on it while the client finishes
 * sending, so the answer is not lost: http-server.ts). A body that says its length
 * (`Content-Length`, without `Transfer-Encoding`) is judged by it, before a byte is read and without
 * making the request's WHATWG body stream (Node's parser never delivers more bytes than the header
 * says); a chunked body is counted as it is read (Hono's `bodyLimit`).
 */
function limitBody(maxSize: number, what: string) {
  const refuse = () => {
    throw new AppError('PAYLOAD_TOO_LARGE', `The body is larger than ${maxSize} bytes (${what}).`, {
      headers: { Connection: 'close' },
    });
  };
  const counted = bodyLimit({ maxSize, onError: refuse });
  return async (c: Context<AppEnv>, next: Next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      // Node's parser refused a malformed Content-Length already: it is digits.
      if (Number(length) > maxSize) refuse();
      return next();
    }
    const method = c.req.method;
    // No length and not chunked: no body (GET and HEAD bodies are never read).
    if (method === 'GET' || method === 'HEAD' || c.req.header('transfer-encoding') === undefined)
      return next();
    return counted(c, next);
  };
}
