import { createAppAuth } from '@octokit/auth-app';
import type { Octokit } from '@octokit/rest';
import { ForgeError } from '../../../ports/forge.ts';

/** How the platform authenticates to GitHub. */
export type GitHubAuthSettings =
  | { kind: 'token'; token: string }
  | {
      kind: 'app';
      appId: number | string;
      /** PEM of the App's private key. */
      privateKey: string;
      /** Found per repo through `GET /repos/{owner}/{repo}/installation` when not given. */
      installationId?: number;
    };

/** A token for one repo, with what it may do when known (installation tokens say so). */
export interface RepoToken {
  token: string;
  /** Installation permissions (`contents: 'write'`, ...); undefined for personal access tokens. */
  permissions?: Record<string, string>;
}

/** Gives a token that works for a repo; App tokens are scoped to that repo and short-lived. */
export interface GitHubTokens {
  forRepo(ownerRepo: string): Promise<RepoToken>;
  /** Every secret this provider has handed out or holds, for scrubbing. */
  secrets(): string[];
}

const MARGIN_MS = 5 * 60_000;

/**
 * A personal access token is used as is. For a GitHub App, an installation token is minted per
 * repo (`repositoryNames: [name]`), so a leaked token reaches one repo only for at most an hour,
 * and kept until five minutes before it expires.
 */
export function createGitHubTokens(
  settings: GitHubAuthSettings,
  deps: { request: Octokit['request']; now?: () => number },
): GitHubTokens {
  if (settings.kind === 'token') {
    return { forRepo: async () => ({ token: settings.token }), secrets: () => [settings.token] };
  }
  const now = deps.now ?? Date.now;
  const auth = createAppAuth({
    appId: settings.appId,
    privateKey: settings.privateKey,
    request: deps.request,
  });
  const cache = new Map<string, { token: string; expiresAt: number; permissions: Record<string, string> }>();
  const installations = new Map<string, number>();
  const handedOut = new Set<string>();

  async function installationOf(ownerRepo: string): Promise<number> {
    if (settings.kind === 'app' && settings.installationId !== undefined) return settings.installationId;
    const known = installations.get(ownerRepo);
    if (known !== undefined) return known;
    const [owner, repo] = ownerRepo.split('/');
    const app = await auth({ type: 'app' });
    const res = await deps.request('GET /repos/{owner}/{repo}/installation', {
      owner: owner ?? '',
      repo: repo ?? '',
      headers: { authorization: `bearer ${app.token}` },
    });
    installations.set(ownerRepo, res.data.id);
    return res.data.id;
  }

  return {
    secrets: () => [settings.privateKey, ...handedOut],
    async forRepo(ownerRepo) {
      const hit = cache.get(ownerRepo);
      if (hit && hit.expiresAt - now() > MARGIN_MS) return { token: hit.token, permissions: hit.permissions };
      const installationId = await installationOf(ownerRepo);
      const name = ownerRepo.split('/')[1] ?? ownerRepo;
      const res = await auth({
        type: 'installation',
        installationId,
        repositoryNames: [name],
        refresh: hit !== undefined,
      });
      if (!res.token)
        throw new ForgeError('REPO_NOT_FOUND_OR_NO_ACCESS', `no installation token for ${ownerRepo}`, false);
      const permissions = Object.fromEntries(
        Object.entries(res.permissions ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const expiresAt = Date.parse(res.expiresAt) || now() + 55 * 60_000;
      cache.set(ownerRepo, { token: res.token, expiresAt, permissions });
      handedOut.add(res.token);
      return { token: res.token, permissions };
    },
  };
}
