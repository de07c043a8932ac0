import { CreateRepoRequest, RepoName } from '@abca/contracts';
import { Hono } from 'hono';
import { AppError } from '../../ops/errors.ts';
import { deleteRepo, getRepo, insertRepo, listRepos } from '../../store/repo-store.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { readBody, readParam } from '../validate.ts';

/** Repository onboarding: admins add and remove, everyone may read. `owner/name` may be URL-encoded or not. */
export function repoRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const nameOf = (owner: string | undefined, name: string | undefined) =>
    readParam(name ? `${owner}/${name}` : decodeURIComponent(owner ?? ''), RepoName, 'repo');
  app.post('/', async (c) => {
    requireAdmin(c);
    const body = await readBody(c, CreateRepoRequest);
    const repo = await insertRepo(deps.db, { repo: body.repo, forge: body.forge, settings: body.settings });
    if (!repo)
      throw new AppError('VALIDATION_ERROR', `Repository ${body.repo} is already onboarded.`, {
        details: [{ field: 'repo', message: 'already onboarded' }],
      });
    return c.json({ data: repo }, 201);
  });
  app.get('/', async (c) =>
    c.json({ data: await listRepos(deps.db), pagination: { next_token: null, has_more: false } }),
  );
  const show = async (repoName: string) => {
    const repo = await getRepo(deps.db, repoName);
    if (!repo) throw new AppError('NOT_FOUND', `Repository ${repoName} is not onboarded.`);
    return repo;
  };
  const remove = async (repoName: string) => {
    if (!(await deleteRepo(deps.db, repoName)))
      throw new AppError('NOT_FOUND', `Repository ${repoName} is not onboarded.`);
    return { repo: repoName, removed: true };
  };
  app.get('/:owner/:name', async (c) =>
    c.json({ data: await show(nameOf(c.req.param('owner'), c.req.param('name'))) }),
  );
  app.get('/:repo', async (c) => c.json({ data: await show(nameOf(c.req.param('repo'), undefined)) }));
  app.delete('/:owner/:name', async (c) => {
    requireAdmin(c);
    return c.json({ data: await remove(nameOf(c.req.param('owner'), c.req.param('name'))) });
  });
  app.delete('/:repo', async (c) => {
    requireAdmin(c);
    return c.json({ data: await remove(nameOf(c.req.param('repo'), undefined)) });
  });
  return app;
}
