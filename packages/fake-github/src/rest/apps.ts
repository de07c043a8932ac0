import { HttpError, notFound, validationFailed } from '../http-error.ts';
import { repoKey } from '../state.ts';
import { repoJson } from './repos.ts';
import { bodyObject, type RestContext, type Route } from './route.ts';
import { userJson } from './users.ts';

const PERMISSIONS = { contents: 'write', pull_requests: 'write', issues: 'write', metadata: 'read' };

/** App endpoints take only the app's JWT, as on GitHub. */
function requireApp(context: RestContext) {
  const app = context.credentials.app;
  if (context.principal.kind !== 'app' || !app) {
    throw new HttpError(401, 'A JSON web token could not be decoded');
  }
  return app;
}

function installationJson(context: RestContext, account: string): Record<string, unknown> {
  const app = requireApp(context);
  const created = '2020-01-01T00:00:00Z';
  return {
    id: app.installationId,
    account: userJson(context.world, context.urls, account),
    repository_selection: 'all',
    access_tokens_url: `${context.urls.api}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${context.urls.api}/installation/repositories`,
    html_url: `${context.urls.web}/settings/installations/${app.installationId}`,
    app_id: app.appId,
    app_slug: app.botLogin.replace(/\[bot\]$/, ''),
    target_id: context.world.userId(account),
    target_type: 'User',
    permissions: PERMISSIONS,
    events: [],
    created_at: created,
    updated_at: created,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

function getRepoInstallation(context: RestContext) {
  requireApp(context);
  const repo = context.world.repo(context.params.owner ?? '', context.params.repo ?? '');
  if (!repo) throw notFound();
  return { status: 200, body: installationJson(context, repo.owner) };
}

/** Mints a token for every repository, or for those named in `repositories` / `repository_ids`. */
function createAccessToken(context: RestContext) {
  const app = requireApp(context);
  if (Number(context.params.installation_id) !== app.installationId) throw notFound();
  const body = bodyObject(context);
  const all = [...context.world.repos.values()];
  let selected = undefined as typeof all | undefined;
  if (Array.isArray(body.repositories) || Array.isArray(body.repository_ids)) {
    const names = Array.isArray(body.repositories) ? body.repositories.map(String) : [];
    const ids = Array.isArray(body.repository_ids) ? body.repository_ids.map(Number) : [];
    selected = all.filter(
      (repo) => names.some((name) => name.toLowerCase() === repo.name.toLowerCase()) || ids.includes(repo.id),
    );
    if (selected.length !== names.length + ids.length) {
      throw validationFailed({ resource: 'Installation', field: 'repositories', code: 'invalid' });
    }
  }
  const scope = selected ? new Set(selected.map((repo) => repoKey(repo.owner, repo.name))) : undefined;
  const { token, expiresAt } = context.credentials.issueInstallationToken(scope);
  return {
    status: 201,
    body: {
      token,
      expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: PERMISSIONS,
      repository_selection: selected ? 'selected' : 'all',
      ...(selected
        ? { repositories: selected.map((repo) => repoJson(context.world, context.urls, repo)) }
        : {}),
    },
  };
}

export const appRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/installation', handler: getRepoInstallation },
  { method: 'POST', path: '/app/installations/{installation_id}/access_tokens', handler: createAccessToken },
];
