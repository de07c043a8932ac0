import { branchSha, type CommitInfo, commitInfo } from '../git.ts';
import { commitsBetween, loginOfEmail } from '../git-write.ts';
import { HttpError, notFound } from '../http-error.ts';
import { addLabels, mergePull, removeLabel } from '../pull-state.ts';
import { headOf } from '../reviews.ts';
import type { RepoState, World } from '../state.ts';
import { actorLogin, repoFor, threadFor } from './access.ts';
import { labelJson } from './issues.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl } from './repos.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `commit` (without files); `author`/`committer` name a user when the email is a `noreply` one. */
export function commitJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  commit: CommitInfo,
): Record<string, unknown> {
  const api = repoApiUrl(urls, repo);
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const user = (email: string) => {
    const login = loginOfEmail(email);
    return login ? userJson(world, urls, login) : null;
  };
  return {
    sha: commit.sha,
    node_id: Buffer.from(`06:Commit${commit.sha}`).toString('base64'),
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${web}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: user(commit.author.email),
    committer: user(commit.committer.email),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${web}/commit/${sha}`,
    })),
  };
}

async function listPullCommits(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  const pull = thread.pull!;
  const base = pull.mergedOnto ?? (await branchSha(repo.path, pull.base));
  const shas = base ? await commitsBetween(repo.path, base, await headOf(repo, thread)) : [];
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${thread.number}/commits`;
  const { page, headers } = paginate(context, path, shas);
  const commits = await Promise.all(page.map((sha) => commitInfo(repo.path, sha)));
  return { status: 200, body: commits.map((c) => commitJson(context.world, context.urls, repo, c)), headers };
}

async function merge(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const thread = threadFor(context, repo, 'pull');
  const body = bodyObject(context);
  const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
  const { sha } = await mergePull(context.world, context.urls, repo, thread, {
    actor: actorLogin(context),
    sha: str('sha'),
    method: str('merge_method'),
    title: str('commit_title'),
    message: str('commit_message'),
  });
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
}

function isMerged(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'pull');
  if (!thread.pull!.merged) throw notFound();
  return { status: 204, text: '' };
}

function labelsOf(context: RestContext, repo: RepoState, labels: readonly string[]) {
  return { status: 200, body: labels.map((l) => labelJson(context.world, context.urls, repo, l)) };
}

async function postLabels(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const thread = threadFor(context, repo, 'issue');
  const raw = Array.isArray(context.body) ? context.body : bodyObject(context).labels;
  const names = (Array.isArray(raw) ? raw : []).map((l) =>
    typeof l === 'object' && l ? (l as { name?: unknown }).name : l,
  );
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n.trim() === ''))
    throw new HttpError(422, 'Invalid request.\n\nNo subschema in "anyOf" matched.');
  await addLabels(context.world, context.urls, repo, thread, names as string[], actorLogin(context));
  return labelsOf(context, repo, thread.labels);
}

async function deleteLabel(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const thread = threadFor(context, repo, 'issue');
  await removeLabel(
    context.world,
    context.urls,
    repo,
    thread,
    context.params.name ?? '',
    actorLogin(context),
  );
  return labelsOf(context, repo, thread.labels);
}

function listLabels(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  return labelsOf(context, repo, threadFor(context, repo, 'issue').labels);
}

export const commitRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', handler: listPullCommits },
  { method: 'PUT', path: '/repos/{owner}/{repo}/pulls/{pull_number}/merge', handler: merge },
  { method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}/merge', handler: isMerged },
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}/labels', handler: listLabels },
  { method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/labels', handler: postLabels },
  {
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    handler: deleteLabel,
  },
];
