import { RepoName } from '@abca/contracts';
import type { Context, Next } from 'hono';
import type { ApiDeps } from '../../api/deps.ts';
import { readParam } from '../../api/validate.ts';
import { getRepo } from '../../store/repo-store.ts';
import type { DashboardEnv } from '../env.ts';
import type { DashboardRouter } from '../router.ts';
import { orErrorPage } from './error-box.ts';

/** A repo's page: `owner/name` keeps its slash (`/repos/acme/api`), each segment encoded. */
export function repoHref(repo: string, suffix = ''): string {
  return `/repos/${repo.split('/').map(encodeURIComponent).join('/')}${suffix}`;
}

type RepoHandler = (c: Context<DashboardEnv>, repo: string) => Promise<Response>;

/**
 * Registers a page under both spellings of a repo name, `/repos/owner/name<suffix>` and
 * `/repos/name<suffix>`, as the API does. `/repos/x/memory` is the memory of `x`, unless only a repo
 * named `x/memory` is onboarded: then it falls through to that repo's own page.
 */
export function onRepo(
  router: DashboardRouter,
  deps: Pick<ApiDeps, 'db'>,
  method: 'get' | 'post',
  suffix: string,
  handler: RepoHandler,
): void {
  router[method](`/repos/:owner/:name${suffix}`, (c) =>
    orErrorPage(c, 'repos', async () =>
      handler(c, readParam(`${c.req.param('owner')}/${c.req.param('name')}`, RepoName, 'repo')),
    ),
  );
  router[method](`/repos/:repo${suffix}`, async (c: Context<DashboardEnv>, next: Next) => {
    const name = c.req.param('repo') ?? '';
    if (suffix === '/memory' && RepoName.safeParse(name).success && !name.includes('/')) {
      const [own, other] = await Promise.all([getRepo(deps.db, name), getRepo(deps.db, `${name}/memory`)]);
      if (!own && other) {
        await next();
        return c.res;
      }
    }
    return orErrorPage(c, 'repos', async () => handler(c, readParam(name, RepoName, 'repo')));
  });
}
