import { type Forge, ForgeError, type RepoRef } from '../../ports/forge.ts';

/**
 * One {@link Forge} over several: each call goes to the forge named by `repo.forge.kind`. A repo
 * whose kind has no forge configured fails with `REPO_NOT_FOUND_OR_NO_ACCESS` and says which
 * forge is missing (pre-flight reports it as a value).
 */
export function createForgeRouter(forges: { git?: Forge; github?: Forge; fake?: Forge }): Forge {
  const pick = (repo: RepoRef): Forge => {
    const kind = repo.forge.kind;
    const forge = (forges as Record<string, Forge | undefined>)[kind];
    if (!forge) {
      const known = Object.keys(forges).filter((k) => (forges as Record<string, Forge | undefined>)[k]);
      throw new ForgeError(
        'REPO_NOT_FOUND_OR_NO_ACCESS',
        `${repo.repo} uses the '${kind}' forge, which this platform is not configured for (configured: ${known.join(', ') || 'none'})${kind === 'github' ? '; set ABCA_GITHUB_TOKEN, or ABCA_GITHUB_APP_ID with ABCA_GITHUB_APP_PRIVATE_KEY_FILE, on the workers' : ''}`,
        false,
      );
    }
    return forge;
  };
  return {
    kind: 'router',
    async checkAccess(repo) {
      let forge: Forge;
      try {
        forge = pick(repo);
      } catch (err) {
        if (err instanceof ForgeError) return { ok: false, code: err.code, message: err.message };
        throw err;
      }
      return forge.checkAccess(repo);
    },
    async verifyRemote(target, opts) {
      let forge: Forge;
      try {
        forge = pick({ repo: target.repo, defaultBranch: target.branch ?? 'main', forge: target.forge });
      } catch (err) {
        if (err instanceof ForgeError) return { ok: false, problem: 'not_configured', message: err.message };
        throw err;
      }
      return forge.verifyRemote(target, opts);
    },
    gitRemote: async (repo) => pick(repo).gitRemote(repo),
    findPullRequest: async (repo, branch) => pick(repo).findPullRequest(repo, branch),
    openPullRequest: async (repo, pr) => pick(repo).openPullRequest(repo, pr),
    updatePullRequest: async (repo, number, patch) => pick(repo).updatePullRequest(repo, number, patch),
    fetchContext: async (repo, ref) => pick(repo).fetchContext(repo, ref),
    comment: async (repo, number, body, opts) => pick(repo).comment(repo, number, body, opts),
    getPullRequest: async (repo, number) => pick(repo).getPullRequest(repo, number),
    listActivity: async (repo, number) => pick(repo).listActivity(repo, number),
    replyToThread: async (repo, number, threadId, body, opts) =>
      pick(repo).replyToThread(repo, number, threadId, body, opts),
    resolveThread: async (repo, number, threadId) => pick(repo).resolveThread(repo, number, threadId),
    postReview: async (repo, number, review, opts) => pick(repo).postReview(repo, number, review, opts),
  };
}
