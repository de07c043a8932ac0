import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { ApiDeps } from '../api/deps.ts';
import { authenticate } from '../store/api-key-store.ts';
import { asset } from './assets.ts';
import type { DashboardEnv } from './env.ts';
import { bare } from './layout.ts';
import { adminPage } from './pages/admin-page.ts';
import { memoryPage } from './pages/memory-page.ts';
import { reposPage } from './pages/repos-page.ts';
import { statsPage } from './pages/stats-page.ts';
import { submitPage } from './pages/submit-page.ts';
import { taskPage } from './pages/task-page.ts';
import { tasksPage } from './pages/tasks-page.ts';
import { dashboardRouter } from './router.ts';
import { formField, SESSION_COOKIE, securityHeaders } from './security.ts';
import { createSession, deleteSession, SESSION_IDLE_S } from './session-store.ts';

/**
 * The web dashboard (docs/dashboard.md), served by the API's process at `/`: server-rendered pages,
 * one small script for live updates over the task's event stream, no bundler. A person signs in
 * with an API key; the browser then holds only an HttpOnly, SameSite=Strict session cookie. Members
 * see their own tasks, admins all. Every page's rights are the API's: the pages call the same
 * functions the API routes do.
 */
export function dashboardRoutes(deps: ApiDeps & { ready?: () => Promise<boolean> }): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();
  const router = dashboardRouter(app, deps.db);
  const headers = securityHeaders();

  app.get('/', headers, (c) => c.redirect('/tasks', 303));
  app.get('/assets/:name', (c) => {
    const file = asset(c.req.param('name'));
    if (!file) return c.text('Not found', 404);
    c.header('Content-Type', file.type);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(file.body);
  });

  app.get('/login', headers, (c) =>
    c.html(loginPage({ next: c.req.query('next'), expired: c.req.query('expired') === '1' })),
  );
  app.post(
    '/login',
    headers,
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('The form is too large.', 413) }),
    async (c) => {
      // No session yet, so no CSRF token: the Origin must be ours (and the cookie is SameSite).
      const origin = c.req.header('origin');
      if (origin && origin !== new URL(c.req.url).origin) {
        return c.text('Forbidden: this form was posted from another site.', 403);
      }
      const key = (await formField(c, 'api_key'))?.trim() ?? '';
      const next = safeNext(await formField(c, 'next'));
      const principal = key ? await authenticate(deps.db, key) : undefined;
      if (!principal) {
        c.status(401);
        return c.html(
          loginPage({
            next,
            error: 'That API key is not valid, or it was revoked. Check it with `abca keys list`.',
          }),
        );
      }
      const session = await createSession(deps.db, principal.keyId);
      setCookie(c, SESSION_COOKIE, session.id, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: SESSION_IDLE_S,
        secure: new URL(c.req.url).protocol === 'https:',
      });
      return c.redirect(next, 303);
    },
  );
  router.post('/logout', async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) await deleteSession(deps.db, id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  tasksPage(router, deps);
  taskPage(router, deps);
  submitPage(router, deps);
  // Memory before the repo pages: `/repos/x/memory` is x's memory, not a repo named x/memory.
  memoryPage(router, deps);
  reposPage(router, deps);
  statsPage(router, deps);
  adminPage(router, deps);
  return app;
}

/** Where to go after sign-in: a path on this server only (never `//host` or a URL). */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && next !== '/login' ? next : '/tasks';
}

function loginPage(o: { next?: string | undefined; error?: string; expired?: boolean }) {
  return bare({
    title: 'Sign in',
    body: html`<section class="login">
<h1>ABCA</h1>
<p>Sign in with an API key (<code>abca keys create</code> makes one). The key is not kept in the browser: a session cookie is.</p>
${o.expired ? html`<p class="notice" role="status">Your session has ended: sign in again.</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/login" autocomplete="off">
<input type="hidden" name="next" value="${safeNext(o.next)}">
<label for="api_key">API key</label>
<input id="api_key" name="api_key" type="password" required autofocus spellcheck="false">
<button type="submit">Sign in</button>
</form>
</section>`,
  });
}
