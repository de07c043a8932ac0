import { notAccessibleMessage } from '../auth.ts';
import { HttpError, validationFailed } from '../http-error.ts';
import { allows, type IssueComment, now, type RepoState, type Thread, type World } from '../state.ts';
import { commentOnIssue } from '../threads.ts';
import { issueCommentEvent } from '../webhook-payloads.ts';
import { actorLogin, commentFor, repoFor, threadFor } from './access.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl } from './repos.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `label`; ids are stable per name across the server. */
export function labelJson(world: World, urls: Urls, repo: RepoState, label: string): Record<string, unknown> {
  const id = world.userId(`label:${label}`);
  return {
    id,
    node_id: Buffer.from(`05:Label${id}`).toString('base64'),
    url: `${repoApiUrl(urls, repo)}/labels/${encodeURIComponent(label)}`,
    name: label,
    color: 'ededed',
    default: false,
    description: null,
  };
}

/** GitHub's `issue`; a pull request carries the `pull_request` key. */
export function issueJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
): Record<string, unknown> {
  const api = repoApiUrl(urls, repo);
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const url = `${api}/issues/${thread.number}`;
  const kind = thread.pull ? 'pull' : 'issues';
  return {
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${web}/${kind}/${thread.number}`,
    id: thread.id,
    node_id: Buffer.from(`05:Issue${thread.id}`).toString('base64'),
    number: thread.number,
    title: thread.title,
    user: userJson(world, urls, thread.author),
    labels: thread.labels.map((label) => labelJson(world, urls, repo, label)),
    state: thread.state,
    state_reason: null,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: thread.comments.length,
    created_at: thread.createdAt,
    updated_at: thread.updatedAt,
    closed_at: thread.closedAt,
    author_association: thread.author === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    active_lock_reason: null,
    body: thread.body,
    ...(thread.pull
      ? {
          draft: thread.pull.draft,
          pull_request: {
            url: `${api}/pulls/${thread.number}`,
            html_url: `${web}/pull/${thread.number}`,
            diff_url: `${web}/pull/${thread.number}.diff`,
            patch_url: `${web}/pull/${thread.number}.patch`,
            merged_at: thread.pull.mergedAt,
          },
        }
      : {}),
  };
}

/** GitHub's `issue-comment`. */
export function issueCommentJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  comment: IssueComment,
): Record<string, unknown> {
  const api = repoApiUrl(urls, repo);
  const kind = thread.pull ? 'pull' : 'issues';
  return {
    id: comment.id,
    node_id: Buffer.from(`012:IssueComment${comment.id}`).toString('base64'),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/${kind}/${thread.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(world, urls, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${api}/issues/${thread.number}`,
    author_association: comment.author === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
  };
}

function getIssue(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'issue');
  return { status: 200, body: issueJson(context.world, context.urls, repo, thread) };
}

function listComments(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const thread = threadFor(context, repo, 'issue');
  const path = `/repos/${repo.owner}/${repo.name}/issues/${thread.number}/comments`;
  const { page, headers } = paginate(context, path, thread.comments);
  const body = page.map((comment) => issueCommentJson(context.world, context.urls, repo, thread, comment));
  return { status: 200, body, headers };
}

async function createComment(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const thread = threadFor(context, repo, 'issue');
  const text = bodyObject(context).body;
  if (typeof text !== 'string' || text === '') {
    throw validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
  }
  const author = actorLogin(context);
  const comment = commentOnIssue(context.world, thread, author, text);
  await context.world.events.emit(repo, 'issue_comment', author, () =>
    issueCommentEvent(context.world, context.urls, repo, thread, comment),
  );
  return { status: 201, body: issueCommentJson(context.world, context.urls, repo, thread, comment) };
}

function getComment(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const { thread, comment } = commentFor(context, repo);
  return { status: 200, body: issueCommentJson(context.world, context.urls, repo, thread, comment) };
}

/** Its author may edit a comment with read access; anyone else needs write access (as on GitHub). */
function updateComment(context: RestContext) {
  const { repo, permission } = repoFor(context, 'read');
  const { thread, comment } = commentFor(context, repo);
  const actor = actorLogin(context);
  if (comment.author !== actor && !allows(permission, 'write'))
    throw new HttpError(403, notAccessibleMessage(context.principal));
  const text = bodyObject(context).body;
  if (typeof text !== 'string' || text === '') {
    throw validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
  }
  comment.body = text;
  comment.updatedAt = now();
  comment.edits += 1;
  return { status: 200, body: issueCommentJson(context.world, context.urls, repo, thread, comment) };
}

export const issueRoutes: Route[] = [
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/comments/{comment_id}', handler: getComment },
  { method: 'PATCH', path: '/repos/{owner}/{repo}/issues/comments/{comment_id}', handler: updateComment },
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}', handler: getIssue },
  { method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', handler: listComments },
  { method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', handler: createComment },
];
