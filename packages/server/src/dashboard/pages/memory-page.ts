import {
  CreateMemoryRequest,
  ListMemoryQuery,
  MEMORY_KINDS,
  type MemoryCitation,
  MemoryId,
  type MemoryRecord,
  UpdateMemoryRequest,
} from '@abca/contracts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import {
  addMemory,
  editMemory,
  forgetMemory,
  mayChangeMemory,
  memoryVisible,
  onboardedRepo,
  pinMemory,
} from '../../api/actions/memory-actions.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { validationError } from '../../api/errors.ts';
import { readParam } from '../../api/validate.ts';
import type { AppError } from '../../ops/errors.ts';
import type { DashboardEnv } from '../env.ts';
import { csrfField, type Html, page } from '../layout.ts';
import type { DashboardRouter } from '../router.ts';
import { errorBox, expectedError, statusOf } from './error-box.ts';
import { checked, type FormValues, filled, readForm } from './form-input.ts';
import { onRepo, repoHref } from './repo-paths.ts';

type Deps = Pick<ApiDeps, 'db' | 'memory'>;

/** Notices after an action (a fixed list: nothing from the query is shown as text). */
const DONE: Record<string, string> = {
  added: 'Record added.',
  edited: 'Record saved.',
  forgotten: 'Record forgotten.',
  pinned: 'Record pinned: it is kept whatever its age.',
  unpinned: 'Record unpinned.',
};

const PAGE = 50;

/**
 * `/repos/{repo}/memory`: a repo's memory records, filtered by kind or words, edited, forgotten,
 * pinned and unpinned through the same functions as `/v1/repos/{repo}/memory` (the same rights:
 * everyone reads, a preference only its user and admins; admins change anything; a member adds and
 * forgets their own preferences). Records are data written by tasks and models: always escaped.
 */
export function memoryPage(router: DashboardRouter, deps: Deps): void {
  onRepo(router, deps, 'get', '/memory', async (c, repo) => {
    await onboardedRepo(deps, repo);
    return c.html(await listPage(c, deps, repo, {}));
  });

  const act = (
    suffix: string,
    run: (c: Context<DashboardEnv>, repo: string, form: FormValues) => Promise<string>,
  ) =>
    onRepo(router, deps, 'post', suffix, async (c, repo) => {
      await onboardedRepo(deps, repo);
      let form: FormValues = {};
      try {
        form = await readForm(c);
        const done = await run(c, repo, form);
        const kind = filled(form, 'back_kind');
        const back = new URLSearchParams({ done, ...(kind ? { kind } : {}) });
        return c.redirect(`${repoHref(repo, '/memory')}?${back}`, 303);
      } catch (err) {
        const error = expectedError(err);
        const id = c.req.param('id');
        return c.html(
          await listPage(c, deps, repo, { error, form, ...(id ? { failedId: id } : {}) }),
          statusOf(error),
        );
      }
    });

  act('/memory', async (c, repo, form) => {
    const parsed = CreateMemoryRequest.safeParse({
      kind: form.kind,
      title: form.title ?? '',
      body: form.body ?? '',
      pinned: checked(form, 'pinned'),
    });
    if (!parsed.success) throw validationError(parsed.error);
    await addMemory(deps, c.get('log'), c.get('principal'), repo, parsed.data);
    return 'added';
  });
  act('/memory/:id/edit', async (c, repo, form) => {
    await editMemory(deps, c.get('log'), c.get('principal'), repo, idOf(c), async () => {
      const parsed = UpdateMemoryRequest.safeParse({ title: form.title ?? '', body: form.body ?? '' });
      if (!parsed.success) throw validationError(parsed.error);
      return parsed.data;
    });
    return 'edited';
  });
  act('/memory/:id/forget', async (c, repo) => {
    await forgetMemory(deps, c.get('log'), c.get('principal'), repo, idOf(c));
    return 'forgotten';
  });
  for (const [action, pinned] of [
    ['pin', true],
    ['unpin', false],
  ] as const) {
    act(`/memory/:id/${action}`, async (c, repo) => {
      await pinMemory(deps, c.get('principal'), repo, idOf(c), pinned);
      return pinned ? 'pinned' : 'unpinned';
    });
  }
}

const idOf = (c: Context<DashboardEnv>) => readParam(c.req.param('id'), MemoryId, 'id');

async function listPage(
  c: Context<DashboardEnv>,
  deps: Deps,
  repo: string,
  o: { error?: AppError; form?: FormValues; failedId?: string },
): Promise<Html> {
  const session = c.get('session');
  const p = session.principal;
  const query = ListMemoryQuery.safeParse({
    ...(c.req.query('kind') ? { kind: c.req.query('kind') } : {}),
    ...(c.req.query('q') ? { q: c.req.query('q') } : {}),
    ...(c.req.query('before') ? { before: c.req.query('before') } : {}),
  });
  if (!query.success) throw validationError(query.error, 'query');
  const q = query.data;
  const kind = q.kind ?? (o.form ? filled(o.form, 'back_kind') : undefined);
  const rows = await deps.memory.list(repo, {
    ...(kind && MEMORY_KINDS.includes(kind as never) ? { kind: kind as MemoryRecord['kind'] } : {}),
    ...(q.q ? { text: q.q } : {}),
    ...(q.before ? { before: q.before } : {}),
    limit: PAGE + 1,
  });
  const more = rows.length > PAGE;
  const shown = rows.slice(0, PAGE).filter((r) => memoryVisible(p, r));
  const last = rows[PAGE - 1];
  const done = DONE[c.req.query('done') ?? ''];
  const base = repoHref(repo, '/memory');
  const adding = o.failedId === undefined ? o.form : undefined;
  return page({
    title: `Memory · ${repo}`,
    session,
    section: 'repos',
    body: html`<p><a href="/repos">Repos</a> › <a href="${repoHref(repo)}">${repo}</a></p>
<h1>Memory of ${repo}</h1>
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
${o.error && !adding && !shown.some((r) => r.id === o.failedId) ? errorBox(o.error) : ''}
<form method="get" action="${base}" class="filters">
<label for="m-kind">Kind</label>
<select id="m-kind" name="kind"><option value="">All kinds</option>${MEMORY_KINDS.map(
      (k) => html`<option value="${k}"${kind === k ? html` selected` : ''}>${k}</option>`,
    )}</select>
<label for="m-q">Words</label>
<input id="m-q" name="q" type="text" value="${q.q ?? ''}">
<button type="submit" class="secondary">Filter</button>
</form>
${shown.length ? shown.map((r) => recordCard(c, repo, r, kind, o)) : html`<p>No records${kind ? html` of kind ${kind}` : ''}.</p>`}
${more && last ? html`<p><a href="${base}?${new URLSearchParams({ ...(kind ? { kind } : {}), ...(q.q ? { q: q.q } : {}), before: last.id })}">Older records</a></p>` : ''}
${addForm(c, repo, kind, adding, o.error)}`,
  });
}

function recordCard(
  c: Context<DashboardEnv>,
  repo: string,
  r: MemoryRecord,
  kind: string | undefined,
  o: { error?: AppError; form?: FormValues; failedId?: string },
): Html {
  const session = c.get('session');
  const p = session.principal;
  const admin = p.role === 'admin';
  const failed = o.failedId === r.id;
  const title = failed && o.form?.title !== undefined ? o.form.title : r.title;
  const body = failed && o.form?.body !== undefined ? o.form.body : r.body;
  const action = (a: string) => repoHref(repo, `/memory/${r.id}/${a}`);
  const hidden = html`${csrfField(session)}${kind ? html`<input type="hidden" name="back_kind" value="${kind}">` : ''}`;
  return html`<article class="card memory-record" id="${r.id}">
<header><span class="kind">${r.kind}</span> <strong>${r.title}</strong>${r.pinned ? html` <span class="pinned">pinned</span>` : ''}${r.user_id ? html` <span class="hint">for ${r.user_id}</span>` : ''}</header>
<pre class="body">${r.body}</pre>
<dl class="facts">
<dt>Citations</dt><dd>${r.citations.length ? html`<ul>${r.citations.map(citation)}</ul>` : 'none'}</dd>
<dt>Used</dt><dd>${r.use_count} times${r.last_used_at ? html`, last ${r.last_used_at.slice(0, 16).replace('T', ' ')}` : ''}</dd>
<dt>From</dt><dd>${r.provenance.source}${r.provenance.by ? html` by ${r.provenance.by}` : ''}${r.provenance.task_id ? html`, task <a href="/tasks/${r.provenance.task_id}">${r.provenance.task_id}</a>` : ''}; ${r.created_at.slice(0, 10)}</dd>
</dl>
${failed && o.error ? errorBox(o.error) : ''}
<div class="actions">
${
  admin
    ? html`<details${failed ? html` open` : ''}><summary>Edit</summary>
<form method="post" action="${action('edit')}">${hidden}
<label for="t-${r.id}">Title</label><input id="t-${r.id}" name="title" type="text" value="${title}">
<label for="b-${r.id}">Body</label><textarea id="b-${r.id}" name="body">${body}</textarea>
<button type="submit">Save</button>
</form></details>
<form method="post" action="${action(r.pinned ? 'unpin' : 'pin')}" class="inline">${hidden}<button type="submit" class="secondary">${r.pinned ? 'Unpin' : 'Pin'}</button></form>`
    : ''
}
${
  mayChangeMemory(p, r.kind, r.user_id)
    ? html`<form method="post" action="${action('forget')}" class="inline" data-confirm="Forget this record? It cannot be brought back.">${hidden}<button type="submit" class="danger">Forget</button></form>`
    : ''
}
</div>
</article>`;
}

/** A citation: a file (and line), a task, or a review comment with its quote. */
function citation(x: MemoryCitation): Html {
  if (x.kind === 'file') return html`<li><code>${x.path}${x.line ? `:${x.line}` : ''}</code></li>`;
  if (x.kind === 'task') return html`<li>task <a href="/tasks/${x.task_id}">${x.task_id}</a></li>`;
  const link = x.url && /^https?:\/\//i.test(x.url) ? x.url : undefined;
  return html`<li>review comment on PR #${x.pr} by ${x.author}${link ? html` (<a href="${link}" rel="noreferrer noopener">link</a>)` : ''}: <q>${x.quote}</q></li>`;
}

function addForm(
  c: Context<DashboardEnv>,
  repo: string,
  kind: string | undefined,
  v: FormValues | undefined,
  error: AppError | undefined,
): Html {
  const session = c.get('session');
  const admin = session.principal.role === 'admin';
  const kinds = admin
    ? (['repo_knowledge', 'review_rule', 'user_preference'] as const)
    : (['user_preference'] as const);
  return html`<section class="card">
<h2>Add a record</h2>
${v && error ? errorBox(error) : ''}
${admin ? '' : html`<p class="hint">Members add their own preferences; an admin adds the rest.</p>`}
<form method="post" action="${repoHref(repo, '/memory')}">
${csrfField(session)}${kind ? html`<input type="hidden" name="back_kind" value="${kind}">` : ''}
<label for="a-kind">Kind</label>
<select id="a-kind" name="kind">${kinds.map((k) => html`<option value="${k}"${v?.kind === k ? html` selected` : ''}>${k}</option>`)}</select>
<label for="a-title">Title</label><input id="a-title" name="title" type="text" value="${v?.title ?? ''}">
<label for="a-body">Body</label><textarea id="a-body" name="body">${v?.body ?? ''}</textarea>
<label class="check"><input type="checkbox" name="pinned"${v?.pinned !== undefined ? html` checked` : ''}> Pinned</label>
<button type="submit">Add</button>
</form>
</section>`;
}
