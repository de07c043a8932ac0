import { CreateRepoRequest, type RepoInfo } from '@abca/contracts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { changeRepo, onboardRepo, type RepoWrite, showRepo } from '../../api/actions/repo-writes.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { validationError } from '../../api/errors.ts';
import type { AppError } from '../../ops/errors.ts';
import { listRepos } from '../../store/repo-store.ts';
import type { DashboardEnv } from '../env.ts';
import { csrfField, type Html, page } from '../layout.ts';
import type { DashboardRouter } from '../router.ts';
import { errorBox, expectedError, fieldInvalid, requireAdminPage, statusOf } from './error-box.ts';
import { checked, type FormValues, filled, readForm } from './form-input.ts';
import { onRepo, repoHref } from './repo-paths.ts';
import { formToUpdate, settingsForm, settingsToForm } from './repo-settings-form.ts';

type Deps = Pick<ApiDeps, 'db' | 'config' | 'repoVerifier' | 'credentials'>;

/**
 * `/repos`: the onboarded repos, and (admins) onboarding one with the remote checked first, through
 * the same function as `POST /v1/repos`; `/repos/{repo}`: a repo's settings, changed (admins)
 * through the same function as `PATCH /v1/repos/{repo}`. A refusal shows the API's code, message,
 * fields and remedy, and keeps what was typed (never a token).
 */
export function reposPage(router: DashboardRouter, deps: Deps): void {
  router.get('/repos', async (c) =>
    c.html(await listPage(c, deps, { form: { verify: 'on', forge: 'github' } })),
  );

  router.post('/repos', async (c) => {
    let form: FormValues = {};
    try {
      requireAdminPage(c);
      form = await readForm(c);
      const written = await onboardRepo(deps, c.get('log'), onboardRequest(form));
      return c.html(await listPage(c, deps, { form: { verify: 'on', forge: 'github' }, written }), 201);
    } catch (err) {
      const error = expectedError(err);
      const { git_token: _token, ...kept } = form;
      return c.html(await listPage(c, deps, { form: kept, error }), statusOf(error));
    }
  });

  onRepo(router, deps, 'get', '', async (c, repo) => {
    const info = await showRepo(deps, repo);
    return c.html(settingsPage(c, info, { values: settingsToForm(info.settings) }));
  });

  onRepo(router, deps, 'post', '', async (c, repo) => {
    requireAdminPage(c);
    const info = await showRepo(deps, repo);
    const form = await readForm(c);
    try {
      const written = await changeRepo(deps, c.get('log'), repo, formToUpdate(form, info));
      return c.html(
        settingsPage(c, written.data, { values: settingsToForm(written.data.settings), written }),
      );
    } catch (err) {
      const error = expectedError(err);
      return c.html(settingsPage(c, info, { values: form, error }), statusOf(error));
    }
  });
}

/** The onboarding form as the API's request, checked by the same schema. */
function onboardRequest(form: FormValues): CreateRepoRequest {
  const repo = filled(form, 'repo') ?? '';
  const kind = form.forge ?? 'github';
  const forge =
    kind === 'git'
      ? { kind, url: filled(form, 'git_url') ?? '' }
      : kind === 'fake'
        ? { kind }
        : { kind, owner_repo: repo };
  const token = form.git_token ?? '';
  const username = filled(form, 'git_username');
  const settings: Record<string, unknown> = {};
  const branch = filled(form, 'default_branch');
  if (branch) settings.default_branch = branch;
  const test = filled(form, 'test_command');
  if (test) settings.test_command = test;
  const parsed = CreateRepoRequest.safeParse({
    repo,
    forge,
    ...(token ? { credential: { token, ...(username ? { username } : {}) } } : {}),
    settings,
    verify: checked(form, 'verify'),
  });
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

async function listPage(
  c: Context<DashboardEnv>,
  deps: Deps,
  o: { form: FormValues; error?: AppError; written?: RepoWrite },
): Promise<Html> {
  const session = c.get('session');
  const admin = session.principal.role === 'admin';
  const repos = await listRepos(deps.db);
  return page({
    title: 'Repos',
    session,
    section: 'repos',
    body: html`<h1>Repos</h1>
${o.written ? writtenCard(`Onboarded ${o.written.data.repo}.`, o.written) : ''}
${
  repos.length
    ? html`<table class="repos">
<thead><tr><th>Repo</th><th>Forge</th><th>Default branch</th><th>Memory</th><th>Onboarded</th></tr></thead>
<tbody>${repos.map(
        (r) =>
          html`<tr><td><a href="${repoHref(r.repo)}">${r.repo}</a></td><td>${forgeText(r)}</td><td>${r.settings.default_branch ?? '(remote default)'}</td><td>${r.settings.memory === false ? 'off' : html`<a href="${repoHref(r.repo, '/memory')}">on</a>`}</td><td>${r.created_at.slice(0, 10)}</td></tr>`,
      )}</tbody>
</table>`
    : html`<p>No repos are onboarded yet.</p>`
}
${admin ? onboardForm(c, o.form, o.error) : html`${o.error ? errorBox(o.error) : ''}<p class="hint">An admin onboards repos.</p>`}`,
  });
}

function onboardForm(c: Context<DashboardEnv>, v: FormValues, error: AppError | undefined): Html {
  const bad = (f: string) => (fieldInvalid(error, f) ? html` aria-invalid="true"` : '');
  const forge = v.forge ?? 'github';
  return html`<section class="card onboard">
<h2>Onboard a repo</h2>
${error ? errorBox(error) : ''}
<form method="post" action="/repos" autocomplete="off">
${csrfField(c.get('session'))}
<label for="o-repo">Name</label>
<input id="o-repo" name="repo" type="text" required value="${v.repo ?? ''}"${bad('repo')}>
<small class="hint">owner/name on GitHub, or any name for a plain git remote</small>
<label for="o-forge">Where it lives</label>
<select id="o-forge" name="forge"${bad('forge')}>
${[
  ['github', 'GitHub'],
  ['git', 'Plain git (URL or path)'],
  ['fake', 'Fake forge (testing)'],
].map(([k, t]) => html`<option value="${k}"${forge === k ? html` selected` : ''}>${t}</option>`)}
</select>
<label for="o-url">Git URL (plain git)</label>
<input id="o-url" name="git_url" type="text" value="${v.git_url ?? ''}"${bad('forge.url')}>
<label for="o-user">Git user name (optional)</label>
<input id="o-user" name="git_username" type="text" value="${v.git_username ?? ''}"${bad('credential.username')}>
<label for="o-token">Git token (optional, stored sealed, never shown again)</label>
<input id="o-token" name="git_token" type="password" value=""${bad('credential.token')}>
<label for="o-branch">Default branch (optional)</label>
<input id="o-branch" name="default_branch" type="text" value="${v.default_branch ?? ''}"${bad('settings.default_branch')}>
<label for="o-test">Test command (optional)</label>
<input id="o-test" name="test_command" type="text" value="${v.test_command ?? ''}"${bad('settings.test_command')}>
<label class="check"><input type="checkbox" name="verify"${v.verify !== undefined ? html` checked` : ''}> Check the remote first (unchecked: stored offline, unverified)</label>
<button type="submit">Onboard</button>
</form>
</section>`;
}

function forgeText(r: RepoInfo): string {
  const f = r.forge;
  return f.kind === 'git' ? `git ${f.url}` : f.kind === 'github' ? `GitHub ${f.owner_repo}` : 'fake';
}

/** What a write found: verified or not, the default branch, push rights, and each warning. */
function writtenCard(title: string, w: RepoWrite): Html {
  const v = w.verification;
  return html`<section class="notice" role="status">
<p><strong>${title}</strong></p>
<p>Remote: ${v.verified ? 'checked' : 'not checked'}${v.default_branch ? html`; default branch <code>${v.default_branch}</code>${v.default_branch_discovered ? ' (found on the remote)' : ''}` : ''}; push: ${v.push}.</p>
${w.warnings.length ? html`<ul class="warnings">${w.warnings.map((x) => html`<li><strong>${x.code}</strong>: ${x.message}</li>`)}</ul>` : ''}
</section>`;
}

function settingsPage(
  c: Context<DashboardEnv>,
  info: RepoInfo,
  o: { values: FormValues; error?: AppError; written?: RepoWrite },
): Html {
  const session = c.get('session');
  const admin = session.principal.role === 'admin';
  return page({
    title: info.repo,
    session,
    section: 'repos',
    body: html`<p><a href="/repos">Repos</a></p>
<h1>${info.repo}</h1>
<p>${forgeText(info)}${info.credential ? html`; credential for <code>${info.credential.username ?? '(token)'}</code> (token ${info.credential.token})` : ''} · <a href="${repoHref(info.repo, '/memory')}">Memory</a></p>
${o.written ? writtenCard('Settings saved.', o.written) : ''}
${o.error ? errorBox(o.error) : ''}
${
  admin
    ? settingsForm({ session, repo: info.repo, values: o.values, error: o.error })
    : html`<h2>Settings</h2><pre class="settings">${JSON.stringify(info.settings, null, 2)}</pre><p class="hint">An admin changes a repo's settings.</p>`
}`,
  });
}
