import type { Octokit } from '@octokit/rest';
import type { Logger } from '../../../ops/logger.ts';
import {
  type Forge,
  type ForgeContext,
  ForgeError,
  type GitRemote,
  type PullRequest,
  type RepoRef,
} from '../../../ports/forge.ts';
import { conversation, type PullInfoData, readActivity, toPullInfo } from './activity.ts';
import { createGitHubTokens, type GitHubAuthSettings, type GitHubTokens } from './auth.ts';
import { failingChecks } from './checks.ts';
import { createOctokit, type RetryPolicy, toForgeError } from './client.ts';
import { listNewest } from './pages.ts';
import { fetchReviewThreads, replyOnce, resolveOnce } from './review-threads.ts';
import { postReviewOnce } from './reviews.ts';
import { verifyGitHubRemote } from './verify-remote.ts';

export type { GitHubAuthSettings } from './auth.ts';

export interface GitHubForgeDeps {
  /** REST API root; default `https://api.github.com` (GitHub Enterprise: `https://HOST/api/v3`). */
  baseUrl?: string;
  auth: GitHubAuthSettings;
  /** HTTPS git URL of a repo; default derived from `baseUrl` (`https://github.com/<owner/repo>.git`). */
  gitUrl?: (ownerRepo: string) => string;
  log?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Waits between retries; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

type PullData = {
  number: number;
  html_url: string;
  head: { ref: string };
  base: { ref: string };
  draft?: boolean;
  title: string;
  state: string;
  merged_at?: string | null;
  merged?: boolean;
  node_id: string;
};

/**
 * The GitHub (or GitHub Enterprise) forge: the API through Octokit; git (the Workspaces port) clones
 * and pushes over HTTPS with the same token, given per command through {@link Forge.gitRemote}. Auth is a personal access token or a GitHub App
 * (installation tokens scoped to the repo, cached until near expiry).
 */
export function createGitHubForge(deps: GitHubForgeDeps): Forge {
  const baseUrl = (deps.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const clientOpts = {
    baseUrl,
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
  const bare = createOctokit(clientOpts);
  const tokens: GitHubTokens = createGitHubTokens(deps.auth, { request: bare.request });
  const gitUrl = deps.gitUrl ?? ((ownerRepo: string) => `${webRoot(baseUrl)}/${ownerRepo}.git`);
  const clients = new Map<string, Octokit>();

  const ownerRepoOf = (repo: RepoRef): { owner: string; repo: string; full: string } => {
    if (repo.forge.kind !== 'github') {
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `${repo.repo} is not a GitHub repo (${repo.forge.kind})`,
        false,
      );
    }
    const [owner, name, ...rest] = repo.forge.owner_repo.split('/');
    if (!owner || !name || rest.length > 0) {
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `'${repo.forge.owner_repo}' is not owner/repo`,
        false,
      );
    }
    return { owner, repo: name, full: `${owner}/${name}` };
  };

  const secrets = () => tokens.secrets();

  /** The client holding `token` (one kept: App tokens rotate). */
  const clientFor = (token: string): Octokit => {
    let client = clients.get(token);
    if (!client) {
      clients.clear();
      client = createOctokit({ ...clientOpts, auth: token });
      clients.set(token, client);
    }
    return client;
  };

  /** Runs an API call for a repo with a client holding its current token; maps failures. */
  async function api<T>(
    repo: RepoRef,
    what: string,
    fn: (o: Octokit, r: { owner: string; repo: string }) => Promise<T>,
  ): Promise<T> {
    const r = ownerRepoOf(repo);
    try {
      const { token } = await tokens.forRepo(r.full);
      return await fn(clientFor(token), { owner: r.owner, repo: r.repo });
    } catch (err) {
      throw toForgeError(err, `${what} (${r.full})`, secrets());
    }
  }

  const gitRemote = async (repo: RepoRef): Promise<GitRemote> => {
    const r = ownerRepoOf(repo);
    let token: string;
    try {
      token = (await tokens.forRepo(r.full)).token;
    } catch (err) {
      throw toForgeError(err, `token for ${r.full}`, secrets());
    }
    const url = gitUrl(r.full);
    return {
      url,
      credential: { url: `${new URL(url).origin}/`, username: 'x-access-token', password: token },
      publicUrl: url,
    };
  };

  const toPr = (p: PullData): PullRequest => ({
    number: p.number,
    url: p.html_url,
    branch: p.head.ref,
    base: p.base.ref,
    draft: p.draft ?? false,
    title: p.title,
    state: p.merged_at || p.merged ? 'merged' : p.state === 'open' ? 'open' : 'closed',
  });

  async function findPull(repo: RepoRef, branch: string): Promise<PullData | undefined> {
    return api(repo, 'find pull request', async (o, r) => {
      const res = await o.rest.pulls.list({ ...r, head: `${r.owner}:${branch}`, state: 'all', per_page: 20 });
      const pulls = res.data.filter((p) => p.head.ref === branch) as PullData[];
      return pulls.find((p) => p.state === 'open') ?? pulls[0];
    });
  }

  async function setDraft(repo: RepoRef, pull: PullData, draft: boolean): Promise<void> {
    const mutation = draft
      ? 'mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { clientMutationId } }'
      : 'mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { clientMutationId } }';
    await api(repo, 'change draft state', (o) => o.graphql(mutation, { id: pull.node_id }));
  }

  return {
    kind: 'github',

    async checkAccess(repo) {
      try {
        const r = ownerRepoOf(repo);
        const { permissions: installation } = await tokens.forRepo(r.full).catch((err: unknown) => {
          throw toForgeError(err, `token for ${r.full}`, secrets());
        });
        const data = await api(repo, 'read repository', async (o, rr) => (await o.rest.repos.get(rr)).data);
        const canPush = installation ? installation.contents === 'write' : data.permissions?.push !== false;
        if (!canPush) {
          return {
            ok: false,
            code: 'INSUFFICIENT_PERMISSIONS',
            message: `the credentials cannot push to ${r.full}`,
          };
        }
        await api(repo, `read default branch '${repo.defaultBranch}'`, (o, rr) =>
          o.rest.repos.getBranch({ ...rr, branch: repo.defaultBranch }),
        );
        return { ok: true };
      } catch (err) {
        if (err instanceof ForgeError) return { ok: false, code: err.code, message: err.message };
        throw err;
      }
    },
    gitRemote,
    verifyRemote: (target, { signal }) => verifyGitHubRemote(target, { tokens, client: clientFor }, signal),

    async findPullRequest(repo, branch) {
      const found = await findPull(repo, branch);
      return found ? toPr(found) : undefined;
    },
    async openPullRequest(repo, pr) {
      try {
        const created = await api(repo, 'open pull request', async (o, r) => {
          const res = await o.rest.pulls.create({
            ...r,
            head: pr.branch,
            base: pr.base,
            title: pr.title,
            body: pr.body,
            draft: pr.draft,
          });
          return res.data as PullData;
        });
        deps.log?.info({ repo: repo.repo, number: created.number, taskId: pr.taskId }, 'pull request opened');
        return toPr(created);
      } catch (err) {
        // 422 "A pull request already exists": a retry after a crash; return the one we opened.
        if (err instanceof ForgeError && /already exists/i.test(err.message)) {
          const existing = await findPull(repo, pr.branch);
          if (existing) return toPr(existing);
        }
        throw err;
      }
    },
    async updatePullRequest(repo, number, patch) {
      let pull = await api(repo, 'update pull request', async (o, r) => {
        const fields = {
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.body !== undefined ? { body: patch.body } : {}),
        };
        const res =
          Object.keys(fields).length > 0
            ? await o.rest.pulls.update({ ...r, pull_number: number, ...fields })
            : await o.rest.pulls.get({ ...r, pull_number: number });
        return res.data as PullData;
      });
      if (patch.draft !== undefined && (pull.draft ?? false) !== patch.draft) {
        await setDraft(repo, pull, patch.draft);
        pull = await api(
          repo,
          'read pull request',
          async (o, r) => (await o.rest.pulls.get({ ...r, pull_number: number })).data as PullData,
        );
      }
      return toPr(pull);
    },
    async fetchContext(repo, ref) {
      const ctx: ForgeContext = {};
      if (ref.issueNumber !== undefined) {
        const n = ref.issueNumber;
        ctx.issue = await api(repo, `read issue #${n}`, async (o, r) => {
          const issue = (await o.rest.issues.get({ ...r, issue_number: n })).data;
          const comments = await conversation(o, r, n, MAX_CONTEXT_COMMENTS);
          return {
            number: n,
            title: issue.title,
            body: issue.body ?? '',
            comments: comments.map((c) => ({ author: c.author, body: c.body })),
          };
        });
      }
      if (ref.prNumber !== undefined) {
        const n = ref.prNumber;
        ctx.pullRequest = await api(repo, `read pull request #${n}`, async (o, r) => {
          const pull = (await o.rest.pulls.get({ ...r, pull_number: n })).data as PullInfoData & {
            body: string | null;
          };
          const info = toPullInfo(pull);
          const diff = await o.rest.pulls.get({ ...r, pull_number: n, mediaType: { format: 'diff' } });
          // GraphQL, not REST review comments: only it says which threads are resolved.
          const threads = await fetchReviewThreads(o, r, n, CONTEXT_THREAD_PAGES);
          return {
            number: n,
            title: pull.title,
            body: pull.body ?? '',
            // The diff feeds a prompt with its own budget; a giant one is not kept whole.
            diff: String(diff.data).slice(0, MAX_CONTEXT_DIFF_CHARS),
            base: info.base,
            branch: info.branch,
            headSha: info.headSha,
            state: info.state,
            reviewThreads: threads.filter((t) => !t.resolved).map(({ resolved: _resolved, ...t }) => t),
            conversation: await conversation(o, r, n, MAX_CONTEXT_COMMENTS),
            failingChecks: await failingChecks(o, r, info.headSha),
          };
        });
      }
      return ctx;
    },
    async getPullRequest(repo, number) {
      return api(repo, `read pull request #${number}`, async (o, r) => {
        try {
          return toPullInfo((await o.rest.pulls.get({ ...r, pull_number: number })).data as PullInfoData);
        } catch (err) {
          if ((err as { status?: number }).status === 404) return undefined;
          throw err;
        }
      });
    },
    listActivity: (repo, number) =>
      api(repo, `read activity of pull request #${number}`, (o, r) => readActivity(o, r, number)),
    replyToThread: (repo, number, threadId, body, opts) =>
      api(repo, `reply in a review thread of #${number}`, (o) =>
        replyOnce(o, { threadId, number, body, marker: taskCommentMarker(opts.taskId) }),
      ),
    resolveThread: (repo, number, threadId) =>
      api(repo, `resolve a review thread of #${number}`, (o) => resolveOnce(o, threadId, number)),
    postReview: (repo, number, review, opts) =>
      api(repo, `review pull request #${number}`, (o, r) =>
        postReviewOnce(o, r, { number, ...review, marker: taskCommentMarker(opts.taskId) }),
      ),
    async comment(repo, number, body, opts) {
      if (!opts?.taskId) {
        await api(repo, `comment on #${number}`, (o, r) =>
          o.rest.issues.createComment({ ...r, issue_number: number, body }),
        );
        return;
      }
      // The task's one comment carries a hidden marker; a retry that finds it posts nothing.
      const marker = taskCommentMarker(opts.taskId);
      await api(repo, `comment on #${number}`, async (o, r) => {
        const existing = await listNewest<{ body?: string | null }>(
          o,
          'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
          { ...r, issue_number: number },
          MARKER_SEARCH_COMMENTS,
        );
        if (existing.some((c) => c.body?.includes(marker))) return;
        await o.rest.issues.createComment({ ...r, issue_number: number, body: `${body}\n\n${marker}` });
      });
    },
  };
}

const MAX_CONTEXT_DIFF_CHARS = 2 * 1024 * 1024;
/** A task's comment is looked for among the newest 1,000 comments before posting it. */
const MARKER_SEARCH_COMMENTS = 1_000;
/** A task's context holds the newest 100 comments of an issue or PR conversation. */
const MAX_CONTEXT_COMMENTS = 100;
/** And the unresolved among the newest 1,000 review threads (10 GraphQL pages at most). */
const CONTEXT_THREAD_PAGES = 10;

/** The hidden marker of a task's comment (GitHub does not render HTML comments). */
export function taskCommentMarker(taskId: string): string {
  return `<!-- abca-task:${taskId} -->`;
}

/** `https://api.github.com` → `https://github.com`; `https://HOST/api/v3` → `https://HOST`. */
export function webRoot(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`;
}
