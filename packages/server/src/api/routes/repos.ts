import { CreateRepoRequest, RepoName, RepoSettings, UpdateRepoRequest } from '@abca/contracts';
import { Hono } from 'hono';
import { configuredProviders } from '../../config/model-providers.ts';
import { AppError } from '../../ops/errors.ts';
import { withTx } from '../../storage/db.ts';
import { deleteRepo, getRepo, insertRepo, listRepos, updateRepo } from '../../store/repo-store.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { validationError } from '../errors.ts';
import { applyCredentialChange, readRepoCredential } from '../repo-credential-input.ts';
import { checkRepoModel } from '../repo-model.ts';
import { readBody, readParam } from '../validate.ts';

/**
 * Repository onboarding: admins add, change and remove; everyone may read. `owner/name` may be
 * URL-encoded (`owner%2Fname`) or not in the path. A git credential (URL userinfo or the
 * `credential` field) is stored sealed apart from the repo and only ever shown redacted.
 */
export function repoRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const providers = configuredProviders(deps.config);
  const nameOf = (owner: string | undefined, name: string | undefined) =>
    readParam(name ? `${owner}/${name}` : (owner ?? ''), RepoName, 'repo');
  const show = async (repoName: string) => {
    const repo = await getRepo(deps.db, repoName);
    if (!repo) throw new AppError('NOT_FOUND', `Repository ${repoName} is not onboarded.`);
    return repo;
  };

  app.post('/', async (c) => {
    requireAdmin(c);
    const body = await readBody(c, CreateRepoRequest);
    checkRepoModel(body.settings.model, providers);
    const { forge, change } = readRepoCredential({
      forge: body.forge,
      credential: body.credential,
      fallback: body.repo.includes('/') ? { kind: 'github', owner_repo: body.repo } : undefined,
    });
    if (!forge) {
      throw new AppError(
        'VALIDATION_ERROR',
        `Say where ${body.repo} lives: forge {"kind":"git","url":"..."} or a GitHub owner/name.`,
        {
          details: [{ field: 'forge', message: 'required for a name without owner/' }],
        },
      );
    }
    const repo = await withTx(deps.db, async (tx) => {
      if (!(await insertRepo(tx, { repo: body.repo, forge, settings: body.settings }))) return undefined;
      await applyCredentialChange(tx, deps.credentials, body.repo, change);
      return getRepo(tx, body.repo);
    });
    if (!repo) {
      throw new AppError(
        'VALIDATION_ERROR',
        `Repository ${body.repo} is already onboarded; change it with PATCH.`,
        {
          details: [{ field: 'repo', message: 'already onboarded' }],
        },
      );
    }
    c.get('log').info(
      { repo: body.repo, forge: forge.kind, credential: change.kind === 'put' },
      'repository onboarded',
    );
    return c.json({ data: repo }, 201);
  });

  app.get('/', async (c) =>
    c.json({ data: await listRepos(deps.db), pagination: { next_token: null, has_more: false } }),
  );

  const patch = async (repoName: string, body: UpdateRepoRequest) => {
    checkRepoModel(body.settings?.model, providers);
    const current = await show(repoName);
    const { forge, change } = readRepoCredential({
      forge: body.forge,
      credential: body.credential,
      fallback: current.forge,
      current,
    });
    const merged: Record<string, unknown> = { ...current.settings };
    for (const [k, v] of Object.entries(body.settings ?? {})) {
      if (v === null) delete merged[k];
      else if (v !== undefined) merged[k] = v;
    }
    const settings = RepoSettings.safeParse(merged);
    if (!settings.success) throw validationError(settings.error, 'settings');
    return withTx(deps.db, async (tx) => {
      const next = { forge: forge ?? current.forge, settings: settings.data };
      if (!(await updateRepo(tx, repoName, next))) return current;
      await applyCredentialChange(tx, deps.credentials, repoName, change);
      return (await getRepo(tx, repoName)) ?? current;
    });
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
  app.patch('/:owner/:name', async (c) => {
    requireAdmin(c);
    const name = nameOf(c.req.param('owner'), c.req.param('name'));
    return c.json({ data: await patch(name, await readBody(c, UpdateRepoRequest)) });
  });
  app.patch('/:repo', async (c) => {
    requireAdmin(c);
    const name = nameOf(c.req.param('repo'), undefined);
    return c.json({ data: await patch(name, await readBody(c, UpdateRepoRequest)) });
  });
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
