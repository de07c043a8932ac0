import { branchSha, diffStats, git, pullDiff } from '../git.ts';
import { HttpError, validationFailed } from '../http-error.ts';
import { nodeId } from '../node-ids.ts';
import { setPullState } from '../pull-state.ts';
import { now, type RepoState, type Thread, type World } from '../state.ts';
import { openPull } from '../threads.ts';
import { pullRequestEvent } from '../webhook-payloads.ts';
import { actorLogin, repoFor, threadFor } from './access.ts';
import { labelJson } from './issues.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl, repoJson } from './repos.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

const ZERO_SHA = '0'.repeat(40);

async function headSha(repo: RepoState, thread: Thread): Promise<string> {
  const pull = thread.pull!;
  const sha = await branchSha(repo.path, pull.head);
  if (sha) pull.lastHeadSha = sha;
  return sha ?? pull.lastHeadSha ?? ZERO_SHA;
}

/** GitHub's `pull-request` (`full`) or `pull-request-simple` (for lists, without the git statistics). */
export async function pullJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  full: boolean,
): Promise<Record<string, unknown>> {
  const pull = thread.pull!;
  const api = repoApiUrl(urls, repo);
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const url = `${api}/pulls/${thread.number}`;
  const htmlUrl = `${web}/pull/${thread.number}`;
  const issueUrl = `${api}/issues/${thread.number}`;
  const [head, base] = await Promise.all([headSha(repo, thread), branchSha(repo.path, pull.base)]);
  const repository = repoJson(world, urls, repo);
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: repository.owner,
    repo: repository,
  });
  const json: Record<string, unknown> = {
    url,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/statuses/${head}`,
    number: thread.number,
    state: thread.state,
    locked: false,
    title: thread.title,
    user: userJson(world, urls, thread.author),
    body: thread.body,
    labels: thread.labels.map((label) => labelJson(world, urls, repo, label)),
    milestone: null,
    active_lock_reason: null,
    created_at: thread.createdAt,
    updated_at: thread.updatedAt,
    closed_at: thread.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.head, head),
    base: side(pull.base, base ?? ZERO_SHA),
    _links: {
      self: { href: url },
      html: { href: htmlUrl },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${api}/statuses/${head}` },
    },
    author_association: thread.author === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: pull.draft,
  };
  if (!full) return json;
  // Whether the head merges into the base without conflicts (`git merge-tree`), as GitHub computes it.
  const clean =
    thread.state === 'open' && base
      ? (await git(['--git-dir', repo.path, 'merge-tree', '--write-tree', base, head])).code === 0
      : false;
  const statsBase = pull.mergedOnto ?? base;
  const stats = statsBase
    ? await diffStats(repo.path, statsBase, head)
    : { commits: 0, additions: 0, deletions: 0, changedFiles: 0 };
  return {
    ...json,
    merged: pull.merged,
    mergeable: thread.state === 'open' ? clean : null,
    rebaseable: thread.state === 'open' ? true : null,
    mergeable_state: thread.state === 'open' ? (clean ? 'clean' : 'dirty') : 'unknown',
    merged_by: pull.mergedBy ? userJson(world, urls, pull.mergedBy) : null,
    comments: thread.comments.length,
    review_comments: pull.reviewComments.length,
    maintainer_can_modify: false,
    commits: stats.commits,
    additions: stats.additions,
    deletions: stats.deletions,
    changed_files: stats.changedFiles,
  };
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw validationFailed({ resource: 'PullRequest', field: key, code: 'invalid' });
  return value;
}

/** `owner:branch` or `branch`; other owners would be forks, which the fake does not model. */
function headBranch(repo: RepoState, head: string): string | undefined {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  return head.slice(0, colon).toLowerCase() === repo.owner.toLowerCase() ? head.slice(colon + 1) : undefined;
}

async function createPull(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const body = bodyObject(context);
  const title = optionalString(body, 'title');
  const rawHead = optionalString(body, 'head');
  const base = optionalString(body, 'base');
  for (const [field, value] of [
    ['title', title],
    ['head', rawHead],
    ['base', base],
  ] as const) {
    if (!value) throw validationFailed({ resource: 'PullRequest', field, code: 'missing_field' });
  }
  const head = headBranch(repo, rawHead!);
  const headCommit = head ? await branchSha(repo.path, head) : undefined;
  if (!head || !headCommit)
    throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  const baseCommit = await branchSha(repo.path, base!);
  if (!baseCommit) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  const existing = [...repo.threads.values()].find(
    (t) => t.pull && t.state === 'open' && t.pull.head === head,
  );
  if (existing) {
    const message = `A pull request already exists for ${repo.owner}:${head}.`;
    throw validationFailed({ resource: 'PullRequest', code: 'custom', message });
  }
  if ((await diffStats(repo.path, baseCommit, headCommit)).commits === 0) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `No commits between ${base} and ${head}`,
    });
  }
  const thread = openPull(context.world, repo, {
    title: title!,
    body: optionalString(body, 'body') ?? null,
    author: actorLogin(context),
    head,
    base: base!,
    draft: body.draft === true,
  });
  const author = actorLogin(context);
  await context.world.events.emit(repo, 'pull_request', author, () =>
    pullRequestEvent(context.world, context.urls, repo, thread, 'opened'),
  );
  return { status: 201, body: await pullJson(context.world, context.urls, repo, thread, true) };
}

async function updatePull(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const thread = threadFor(context, repo, 'pull');
  const body = bodyObject(context);
  const title = optionalString(body, 'title');
  const base = optionalString(body, 'base');
  const state = optionalString(body, 'state');
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    throw validationFailed({ resource: 'PullRequest', field: 'state', code: 'invalid' });
  }
  if (base !== undefined && !(await branchSha(repo.path, base))) {
    throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  }
  if (state === 'open' && thread.pull!.merged)
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: 'state cannot be changed. The pull request cannot be reopened.',
    });
  if (title !== undefined) thread.title = title;
  if ('body' in body) thread.body = optionalString(body, 'body') ?? null;
  if (base !== undefined) thread.pull!.base = base;
  thread.updatedAt = now();
  if (state !== undefined)
    await setPullState(context.world, context.urls, repo, thread, state, actorLogin(context));
  return { status: 200, body: await pullJson(context.world, context.urls, repo, thread, true) };
}

async function getPull(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const accept = String(context.headers.accept ?? '');
  const format = /\.diff\b/.test(accept) ? 'diff' : /\.patch\b/.test(accept) ? 'patch' : undefined;
  if (format) {
    const base = await branchSha(repo.path, thread.pull!.base);
    if (!base) throw new HttpError(404, 'Not Found');
    const text = await pullDiff(repo.path, base, await headSha(repo, thread), format);
    return { status: 200, text, contentType: `application/vnd.github.${format}; charset=utf-8` };
  }
  return { status: 200, body: await pullJson(context.world, context.urls, repo, thread, true) };
}

async function listPulls(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const state = context.query.get('state') ?? 'open';
  const head = context.query.get('head');
  const base = context.query.get('base');
  const wantedHead = head ? headBranch(repo, head) : undefined;
  const threads = [...repo.threads.values()]
    .filter((thread) => thread.pull)
    .filter((thread) => state === 'all' || thread.state === state)
    // GitHub returns nothing for a head filter naming another owner.
    .filter((thread) => !head || thread.pull!.head === wantedHead)
    .filter((thread) => !base || thread.pull!.base === base)
    .sort((a, b) => b.number - a.number);
  const { page, headers } = paginate(context, `/repos/${repo.owner}/${repo.name}/pulls`, threads);
  const body = await Promise.all(
    page.map((thread) => pullJson(context.world, context.urls, repo, thread, false)),
  );
  return { status: 200, body, headers };
}

export const pullRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls', handler: listPulls },
  { method: 'POST', path: '/repos/{owner}/{repo}/pulls', handler: createPull },
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}', handler: getPull },
  { method: 'PATCH', path: '/repos/{owner}/{repo}/pulls/{pull_number}', handler: updatePull },
];
