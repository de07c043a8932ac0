import type { Octokit } from '@octokit/rest';
import { createGitHubTokens, type GitHubAuthSettings } from '../../adapters/forge/github/auth.ts';
import { createOctokit, type RetryPolicy, toForgeError } from '../../adapters/forge/github/client.ts';
import type { Config } from '../../config/config.ts';

/** A repository access level as GitHub's collaborator permission endpoint reports it. */
export type RepoAccess = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** The reactions ABCA leaves. */
export type ReactionContent = 'eyes' | 'rocket' | 'confused' | '+1';

export interface IssueCommentRef {
  id: number;
  body: string;
  login: string;
}

/**
 * The GitHub calls the channel makes (the webhook ingress and the notifier), with the forge's
 * credentials: a token, or the App's installation token for the repo. Failures are ForgeErrors
 * with secrets scrubbed.
 */
export interface GitHubChannelApi {
  /** The sender's access, asked of GitHub (the payload is never trusted for it). */
  permission(ownerRepo: string, login: string): Promise<RepoAccess>;
  react(
    ownerRepo: string,
    target: { issue: number } | { comment: number },
    content: ReactionContent,
  ): Promise<void>;
  createComment(ownerRepo: string, issue: number, body: string): Promise<number>;
  /** false when the comment is gone (deleted by someone). */
  updateComment(ownerRepo: string, commentId: number, body: string): Promise<boolean>;
  listComments(ownerRepo: string, issue: number): Promise<IssueCommentRef[]>;
}

/** The forge's GitHub auth from the configuration; undefined when neither a token nor an App is set. */
export function githubAuthOf(gh: Config['github']): GitHubAuthSettings | undefined {
  if (gh.appId !== undefined && gh.privateKey)
    return {
      kind: 'app',
      appId: gh.appId,
      privateKey: gh.privateKey,
      ...(gh.installationId ? { installationId: gh.installationId } : {}),
    };
  if (gh.token) return { kind: 'token', token: gh.token };
  return undefined;
}

export function createGitHubChannelApi(opts: {
  github: Config['github'];
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
}): GitHubChannelApi | undefined {
  const auth = githubAuthOf(opts.github);
  if (!auth) return undefined;
  const clientOpts = {
    baseUrl: (opts.github.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  };
  const tokens = createGitHubTokens(auth, { request: createOctokit(clientOpts).request });
  const clients = new Map<string, Octokit>();

  async function call<T>(
    ownerRepo: string,
    what: string,
    fn: (o: Octokit, r: { owner: string; repo: string }) => Promise<T>,
  ): Promise<T> {
    const [owner = '', repo = ''] = ownerRepo.split('/');
    try {
      const { token } = await tokens.forRepo(`${owner}/${repo}`);
      let client = clients.get(token);
      if (!client) {
        if (clients.size > 50) clients.clear();
        client = createOctokit({ ...clientOpts, auth: token });
        clients.set(token, client);
      }
      return await fn(client, { owner, repo });
    } catch (err) {
      throw toForgeError(err, `${what} (${ownerRepo})`, tokens.secrets());
    }
  }

  return {
    async permission(ownerRepo, login) {
      return call(ownerRepo, `read ${login}'s permission`, async (o, r) => {
        try {
          const res = await o.rest.repos.getCollaboratorPermissionLevel({ ...r, username: login });
          const role = res.data.role_name as string | undefined;
          if (role === 'maintain' || role === 'triage') return role;
          return (res.data.permission as RepoAccess) ?? 'none';
        } catch (err) {
          // 404: no such user; GitHub answers so for someone who cannot be a collaborator.
          if ((err as { status?: number }).status === 404) return 'none';
          throw err;
        }
      });
    },
    async react(ownerRepo, target, content) {
      await call(ownerRepo, 'add a reaction', (o, r) =>
        'issue' in target
          ? o.rest.reactions.createForIssue({ ...r, issue_number: target.issue, content })
          : o.rest.reactions.createForIssueComment({ ...r, comment_id: target.comment, content }),
      );
    },
    async createComment(ownerRepo, issue, body) {
      return call(ownerRepo, `comment on #${issue}`, async (o, r) => {
        const res = await o.rest.issues.createComment({ ...r, issue_number: issue, body });
        return res.data.id;
      });
    },
    async updateComment(ownerRepo, commentId, body) {
      return call(ownerRepo, `edit comment ${commentId}`, async (o, r) => {
        try {
          await o.rest.issues.updateComment({ ...r, comment_id: commentId, body });
          return true;
        } catch (err) {
          if ((err as { status?: number }).status === 404) return false;
          throw err;
        }
      });
    },
    async listComments(ownerRepo, issue) {
      return call(ownerRepo, `list comments of #${issue}`, async (o, r) => {
        const all = await o.paginate(o.rest.issues.listComments, {
          ...r,
          issue_number: issue,
          per_page: 100,
        });
        return all.map((c) => ({ id: c.id, body: c.body ?? '', login: c.user?.login ?? '' }));
      });
    },
  };
}
