import { notAccessibleMessage, repoPermission } from '../auth.ts';
import { HttpError, notFound, requiresAuthentication } from '../http-error.ts';
import { allows, type IssueComment, type Permission, type RepoState, type Thread } from '../state.ts';
import type { RestContext } from './route.ts';

/**
 * The repository named by `{owner}/{repo}`, checked for `needed` access: 404 when it does not exist
 * or the caller may not see it (as GitHub hides private repositories), 401 for an anonymous write,
 * 403 when the caller may see but not change it.
 */
export function repoFor(
  context: RestContext,
  needed: Permission,
): { repo: RepoState; permission: Permission } {
  const repo = context.world.repo(context.params.owner ?? '', context.params.repo ?? '');
  if (!repo) throw notFound();
  const permission = repoPermission(context.principal, repo);
  if (permission === 'none') throw notFound();
  if (!allows(permission, needed)) {
    if (context.principal.kind === 'anonymous') throw requiresAuthentication();
    throw new HttpError(403, notAccessibleMessage(context.principal));
  }
  return { repo, permission };
}

/** The issue or pull request `{number}` (param `issue_number` or `pull_number`) of a repository. */
export function threadFor(context: RestContext, repo: RepoState, kind: 'issue' | 'pull'): Thread {
  const raw = kind === 'pull' ? context.params.pull_number : context.params.issue_number;
  const thread = repo.threads.get(Number(raw));
  if (!thread || (kind === 'pull' && !thread.pull)) throw notFound();
  return thread;
}

/** The login a write acts as. */
export function actorLogin(context: RestContext): string {
  const principal = context.principal;
  if (principal.kind === 'pat' || principal.kind === 'installation') return principal.login;
  throw requiresAuthentication();
}

/** The issue comment `{comment_id}` of a repository, with the issue or pull request it is on. */
export function commentFor(context: RestContext, repo: RepoState): { thread: Thread; comment: IssueComment } {
  const id = Number(context.params.comment_id);
  for (const thread of repo.threads.values()) {
    const comment = thread.comments.find((c) => c.id === id);
    if (comment) return { thread, comment };
  }
  throw notFound();
}
