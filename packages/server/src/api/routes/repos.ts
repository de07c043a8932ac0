import { CreateRepoRequest, RepoName, UpdateRepoRequest } from '@abca/contracts';
import { type Context, Hono } from 'hono';
import { listRepos } from '../../store/repo-store.ts';
import { changeRepo, onboardRepo, removeRepo, showRepo } from '../actions/repo-writes.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

/**
 * Repository onboarding: admins add, change and remove; everyone may read. `owner/name` may be
 * URL-encoded (`owner%2Fname`) or not in the path. A git credential (URL userinfo or the
 * `credential` field) is stored sealed apart from the repo and only ever shown redacted. Adding a
 * repo, or moving it (forge, credential, default branch), checks the remote first unless
 * `verify=false` (`onboarding/verify-repo.ts`): a failure is a `422` and nothing is stored. The
 * work is in actions/repo-writes.ts, shared with the dashboard.
 */
export function repoRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const nameOf = (owner: string | undefined, name: string | undefined) =>
    readParam(name ? `${owner}/${name}` : (owner ?? ''), RepoName, 'repo');

  app.post('/', async (c) => {
    requireAdmin(c);
    const body = await readBody(c, CreateRepoRequest);
    return c.json(await onboardRepo(deps, c.get('log'), body, c.req.query('verify')), 201);
  });

  app.get('/', async (c) =>
    c.json({ data: await listRepos(deps.db), pagination: { next_token: null, has_more: false } }),
  );

  const patch = async (c: Context<AppEnv>, owner: string | undefined, name: string | undefined) => {
    requireAdmin(c);
    const repoName = nameOf(owner, name);
    const body = await readBody(c, UpdateRepoRequest);
    return c.json(await changeRepo(deps, c.get('log'), repoName, body, c.req.query('verify')));
  };

  app.get('/:owner/:name', async (c) =>
    c.json({ data: await showRepo(deps, nameOf(c.req.param('owner'), c.req.param('name'))) }),
  );
  app.get('/:repo', async (c) =>
    c.json({ data: await showRepo(deps, nameOf(c.req.param('repo'), undefined)) }),
  );
  app.patch('/:owner/:name', async (c) => patch(c, c.req.param('owner'), c.req.param('name')));
  app.patch('/:repo', async (c) => patch(c, c.req.param('repo'), undefined));
  app.delete('/:owner/:name', async (c) => {
    requireAdmin(c);
    return c.json({ data: await removeRepo(deps, nameOf(c.req.param('owner'), c.req.param('name'))) });
  });
  app.delete('/:repo', async (c) => {
    requireAdmin(c);
    return c.json({ data: await removeRepo(deps, nameOf(c.req.param('repo'), undefined)) });
  });
  return app;
}
