import type { Octokit } from '@octokit/rest';
import { scrub } from '../../../git/git-cli.ts';
import type { RemoteProblem, RemoteTarget, RemoteVerification } from '../../../ports/forge.ts';
import type { GitHubTokens } from './auth.ts';

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * What a failed GitHub call means for onboarding: 401 refused credentials; 404 (GitHub's answer
 * for a private repo the token may not see) not found; 403 rate limited, or a token not allowed
 * to read; 5xx and network failures unreachable.
 */
function problemOf(err: unknown, signal: AbortSignal): RemoteProblem {
  if (signal.aborted) return 'timeout';
  const e = err as HttpFailure;
  const status = e.status;
  if (status === 401) return 'auth_failed';
  if (status === 404) return 'not_found';
  if (status === 403) {
    const limited =
      e.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(e.message ?? '');
    return limited ? 'unreachable' : 'auth_failed';
  }
  return 'unreachable';
}

/**
 * Onboarding for the GitHub forge: the token (or the App's installation token), `GET /repos` for
 * the default branch and the push permission (the installation's `contents: write` for an App),
 * and `GET /branches/{b}` for the branch that will be used. Only reads.
 */
export async function verifyGitHubRemote(
  target: RemoteTarget,
  deps: {
    tokens: GitHubTokens;
    /** An Octokit holding `token`. */
    client(token: string): Octokit;
  },
  signal: AbortSignal,
): Promise<RemoteVerification> {
  if (target.forge.kind !== 'github')
    return { ok: false, problem: 'invalid', message: `${target.repo} is not a GitHub repo` };
  const full = target.forge.owner_repo;
  const [owner = '', repo = '', ...rest] = full.split('/');
  if (!owner || !repo || rest.length > 0)
    return { ok: false, problem: 'invalid', message: `'${full}' is not owner/repo` };
  const fail = (err: unknown, what: string): RemoteVerification => {
    const problem = problemOf(err, signal);
    const detail = scrub(String((err as HttpFailure).message ?? err), deps.tokens.secrets()).slice(0, 300);
    return {
      ok: false,
      problem,
      message:
        problem === 'timeout' ? `GitHub did not answer in time (${what})` : `${what} ${full}: ${detail}`,
    };
  };
  let token: Awaited<ReturnType<GitHubTokens['forRepo']>>;
  try {
    token = await deps.tokens.forRepo(full);
  } catch (err) {
    return fail(err, 'GitHub token for');
  }
  const o = deps.client(token.token);
  const request = { signal };
  let data: { default_branch?: string; permissions?: { push?: boolean } };
  try {
    data = (await o.rest.repos.get({ owner, repo, request })).data;
  } catch (err) {
    return fail(err, 'GET repository');
  }
  const push = token.permissions
    ? token.permissions.contents === 'write'
      ? 'allowed'
      : 'denied'
    : data.permissions
      ? data.permissions.push
        ? 'allowed'
        : 'denied'
      : 'unknown';
  const exists = async (branch: string): Promise<boolean | RemoteVerification> => {
    try {
      await o.rest.repos.getBranch({ owner, repo, branch, request });
      return true;
    } catch (err) {
      if ((err as HttpFailure).status === 404 && !signal.aborted) return false;
      return fail(err, `GET branch '${branch}' of`);
    }
  };
  if (target.branch) {
    const found = await exists(target.branch);
    if (typeof found !== 'boolean') return found;
    return {
      ok: true,
      ...(data.default_branch ? { headBranch: data.default_branch } : {}),
      branchExists: found,
      push,
    };
  }
  // An empty repository names a default branch it does not have yet.
  const head = data.default_branch;
  const found = head ? await exists(head) : false;
  if (typeof found !== 'boolean') return found;
  return { ok: true, ...(head && found ? { headBranch: head } : {}), push };
}
