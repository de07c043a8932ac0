import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Session } from './session-store.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The dashboard's sections, in the navigation's order; `admin` only for admins. */
const NAV = [
  { id: 'tasks', href: '/tasks', label: 'Tasks' },
  { id: 'submit', href: '/submit', label: 'Submit' },
  { id: 'repos', href: '/repos', label: 'Repos' },
  { id: 'stats', href: '/stats', label: 'Stats' },
  { id: 'admin', href: '/admin', label: 'Admin', admin: true },
] as const;
export type Section = (typeof NAV)[number]['id'];

/**
 * A whole dashboard page. Everything interpolated with `html` is escaped (a task's description, an
 * agent's output); only `html` fragments pass through as markup. The CSRF token is in a meta tag
 * for the page's script (live actions) and in each form (`csrfField`).
 */
export function page(opts: { title: string; session: Session; section?: Section; body: Html }): Html {
  const { session } = opts;
  const links = NAV.filter((n) => !('admin' in n) || session.principal.role === 'admin').map(
    (n) => html`<a href="${n.href}"${n.id === opts.section ? html` aria-current="page"` : ''}>${n.label}</a>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${session.csrfToken}">
<title>${opts.title} · ABCA</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/tasks">ABCA</a>
<nav>${links}</nav>
<form method="post" action="/logout" class="signout">${csrfField(session)}<span class="who">${session.principal.userId} (${session.principal.role})</span><button type="submit">Sign out</button></form>
</header>
<main>
${opts.body}
</main>
</body>
</html>`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(session: Session): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A page outside a session (sign-in), with the same styles. */
export function bare(opts: { title: string; body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ABCA</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="bare">
<main>
${opts.body}
</main>
</body>
</html>`;
}
