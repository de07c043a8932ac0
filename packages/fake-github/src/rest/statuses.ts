import { addStatus, combinedStatus } from '../checks.ts';
import { commitExists, resolveRef } from '../git-write.ts';
import { HttpError, validationFailed } from '../http-error.ts';
import type { CommitStatus, RepoState, World } from '../state.ts';
import { actorLogin, repoFor } from './access.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl, repoJson } from './repos.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `status`; `asEvent` gives the `status` webhook's body (the event-specific keys). */
export function statusJson(world: World, urls: Urls, repo: RepoState, status: CommitStatus, asEvent = false) {
  const api = repoApiUrl(urls, repo);
  const json = {
    url: `${api}/statuses/${status.sha}`,
    avatar_url: null,
    id: status.id,
    node_id: Buffer.from(`013:StatusContext${status.id}`).toString('base64'),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: userJson(world, urls, status.creator),
  };
  if (!asEvent) return json;
  const { url: _url, avatar_url: _avatar, node_id: _node, creator: _creator, ...rest } = json;
  return {
    ...rest,
    sha: status.sha,
    name: `${repo.owner}/${repo.name}`,
    commit: {
      sha: status.sha,
      url: `${api}/commits/${status.sha}`,
      html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${status.sha}`,
    },
    branches: [],
  };
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationFailed({ resource: 'Status', field: key, code: 'invalid' });
  return value;
}

async function createStatus(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const sha = context.params.sha ?? '';
  if (!(await commitExists(repo.path, sha))) throw new HttpError(422, `No commit found for SHA: ${sha}`);
  const body = bodyObject(context);
  const status = await addStatus(context.world, context.urls, repo, {
    sha,
    state: str(body, 'state') ?? '',
    context: str(body, 'context'),
    description: str(body, 'description'),
    targetUrl: str(body, 'target_url'),
    creator: actorLogin(context),
  });
  return { status: 201, body: statusJson(context.world, context.urls, repo, status) };
}

async function shaOf(context: RestContext, repo: RepoState): Promise<string> {
  const sha = await resolveRef(repo.path, context.params.ref ?? '');
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${context.params.ref}`);
  return sha;
}

async function listStatuses(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const sha = await shaOf(context, repo);
  const all = repo.statuses.filter((s) => s.sha === sha).reverse();
  const path = `/repos/${repo.owner}/${repo.name}/commits/${context.params.ref}/statuses`;
  const { page, headers } = paginate(context, path, all);
  return { status: 200, body: page.map((s) => statusJson(context.world, context.urls, repo, s)), headers };
}

async function getCombined(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const sha = await shaOf(context, repo);
  const { state, statuses } = combinedStatus(repo, sha);
  const api = repoApiUrl(context.urls, repo);
  const path = `/repos/${repo.owner}/${repo.name}/commits/${context.params.ref}/status`;
  const { page, headers } = paginate(context, path, statuses);
  return {
    status: 200,
    headers,
    body: {
      state,
      statuses: page.map((s) => statusJson(context.world, context.urls, repo, s)),
      sha,
      total_count: statuses.length,
      repository: repoJson(context.world, context.urls, repo),
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    },
  };
}

export const statusRoutes: Route[] = [
  { method: 'POST', path: '/repos/{owner}/{repo}/statuses/{sha}', handler: createStatus },
  { method: 'GET', path: '/repos/{owner}/{repo}/commits/{ref}/statuses', handler: listStatuses },
  { method: 'GET', path: '/repos/{owner}/{repo}/commits/{ref}/status', handler: getCombined },
];
