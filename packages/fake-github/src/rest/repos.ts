import { repoPermission } from '../auth.ts';
import { allows, type Permission, type RepoState, type World } from '../state.ts';
import { repoFor } from './access.ts';
import type { Route, Urls } from './route.ts';
import { userJson } from './users.ts';

/** The `{…}_url` templates GitHub puts on a repository, by field name, relative to its API URL. */
const URL_TEMPLATES: Record<string, string> = {
  archive_url: '/{archive_format}{/ref}',
  assignees_url: '/assignees{/user}',
  blobs_url: '/git/blobs{/sha}',
  branches_url: '/branches{/branch}',
  collaborators_url: '/collaborators{/collaborator}',
  comments_url: '/comments{/number}',
  commits_url: '/commits{/sha}',
  compare_url: '/compare/{base}...{head}',
  contents_url: '/contents/{+path}',
  contributors_url: '/contributors',
  deployments_url: '/deployments',
  downloads_url: '/downloads',
  events_url: '/events',
  forks_url: '/forks',
  git_commits_url: '/git/commits{/sha}',
  git_refs_url: '/git/refs{/sha}',
  git_tags_url: '/git/tags{/sha}',
  hooks_url: '/hooks',
  issue_comment_url: '/issues/comments{/number}',
  issue_events_url: '/issues/events{/number}',
  issues_url: '/issues{/number}',
  keys_url: '/keys{/key_id}',
  labels_url: '/labels{/name}',
  languages_url: '/languages',
  merges_url: '/merges',
  milestones_url: '/milestones{/number}',
  notifications_url: '/notifications{?since,all,participating}',
  pulls_url: '/pulls{/number}',
  releases_url: '/releases{/id}',
  stargazers_url: '/stargazers',
  statuses_url: '/statuses/{sha}',
  subscribers_url: '/subscribers',
  subscription_url: '/subscription',
  tags_url: '/tags',
  teams_url: '/teams',
  trees_url: '/git/trees{/sha}',
};

export function repoApiUrl(urls: Urls, repo: RepoState): string {
  return `${urls.api}/repos/${repo.owner}/${repo.name}`;
}

/** GitHub's `full-repository`; `permission` adds the caller's `permissions` block. */
export function repoJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  permission?: Permission,
): Record<string, unknown> {
  const url = repoApiUrl(urls, repo);
  const htmlUrl = `${urls.web}/${repo.owner}/${repo.name}`;
  const templated = Object.fromEntries(
    Object.entries(URL_TEMPLATES).map(([key, suffix]) => [key, `${url}${suffix}`]),
  );
  const openIssues = [...repo.threads.values()].filter((thread) => thread.state === 'open').length;
  const host = new URL(urls.web).host;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: repo.private,
    owner: userJson(world, urls, repo.owner),
    html_url: htmlUrl,
    description: null,
    fork: false,
    url,
    ...templated,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
    clone_url: `${htmlUrl}.git`,
    svn_url: htmlUrl,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
    ...(permission
      ? {
          permissions: {
            admin: allows(permission, 'admin'),
            maintain: allows(permission, 'admin'),
            push: allows(permission, 'write'),
            triage: allows(permission, 'write'),
            pull: allows(permission, 'read'),
          },
        }
      : {}),
    network_count: 0,
    subscribers_count: 0,
  };
}

export const repoRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      const permission =
        context.principal.kind === 'anonymous' ? undefined : repoPermission(context.principal, repo);
      return { status: 200, body: repoJson(context.world, context.urls, repo, permission) };
    },
  },
];
