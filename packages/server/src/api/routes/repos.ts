import { CreateRepoRequest, RepoName, RepoSettings, UpdateRepoRequest } from '@abca/contracts';
import { type Context, Hono } from 'hono';
import { configuredProviders } from '../../config/model-providers.ts';
import { AppError } from '../../ops/errors.ts';
import { withTx } from '../../storage/db.ts';
import { deleteRepo, getRepo, insertRepo, listRepos, updateRepo } from '../../store/repo-store.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { validationError } from '../errors.ts';
import { applyCredentialChange, readRepoCredential } from '../repo-credential-input.ts';
import { checkRepoModel } from '../repo-model.ts';
import { readVerifyFlag, verifyRepoWrite } from '../repo-verification.ts';
import { readBody, readParam } from '../validate.ts';

/**
 * Repository onboarding: admins add, change and remove; everyone may read. `owner/name` may be
 * URL-encoded (`owner%2Fname`) or not in the path. A git credential (URL userinfo or the
 * `credential` field) is stored sealed apart from the repo and only ever shown redacted. Adding a
 * repo, or moving it (forge, credential, default branch), checks the remote first unless
 * `verify=false` (`onboarding/verify-repo.ts`): a failure is a `422` and nothing is stored.
 */
export function repoRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const providers = configuredProviders(deps.config);
  const verifier = { verifier: deps.repoVerifier, credentials: deps.credentials };
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
    const verify = readVerifyFlag(c.req.query('verify'), body.verify);
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
    const duplicate = () =>
      new AppError(
        'VALIDATION_ERROR',
        `Repository ${body.repo} is already onboarded; change it with PATCH.`,
        {
          details: [{ field: 'repo', message: 'already onboarded' }],
        },
      );
    // Before the remote is asked: a second add is answered at once, whatever the remote does.
    if (await getRepo(deps.db, body.repo)) throw duplicate();
    const checked = await verifyRepoWrite(verifier, {
      repo: body.repo,
      forge,
      settings: body.settings,
      change,
      stored: false,
      verify,
    }).catch((err: unknown) => refused(c, body.repo, err));
    const repo = await withTx(deps.db, async (tx) => {
      if (!(await insertRepo(tx, { repo: body.repo, forge, settings: checked.settings }))) return undefined;
      await applyCredentialChange(tx, deps.credentials, body.repo, change);
      return getRepo(tx, body.repo);
    });
    if (!repo) throw duplicate();
    c.get('log').info(
      {
        repo: body.repo,
        forge: forge.kind,
        credential: change.kind === 'put',
        verified: checked.verification.verified,
      },
      'repository onboarded',
    );
    return c.json({ data: repo, verification: checked.verification, warnings: checked.warnings }, 201);
  });

  app.get('/', async (c) =>
    c.json({ data: await listRepos(deps.db), pagination: { next_token: null, has_more: false } }),
  );

  const patch = async (c: Context<AppEnv>, repoName: string, body: UpdateRepoRequest) => {
    checkRepoModel(body.settings?.model, providers);
    const verify = readVerifyFlag(c.req.query('verify'), body.verify);
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
    const nextForge = forge ?? current.forge;
    // Only a move is checked: a remote that is down must not stop a change of the test command.
    const moves =
      body.forge !== undefined ||
      body.credential !== undefined ||
      body.settings?.default_branch !== undefined;
    const checked = moves
      ? await verifyRepoWrite(verifier, {
          repo: repoName,
          forge: nextForge,
          settings: settings.data,
          change,
          stored: current.credential !== null,
          verify,
        }).catch((err: unknown) => refused(c, repoName, err))
      : undefined;
    const repo = await withTx(deps.db, async (tx) => {
      const next = { forge: nextForge, settings: checked?.settings ?? settings.data };
      if (!(await updateRepo(tx, repoName, next))) return current;
      await applyCredentialChange(tx, deps.credentials, repoName, change);
      return (await getRepo(tx, repoName)) ?? current;
    });
    return {
      data: repo,
      verification: checked?.verification ?? UNCHECKED,
      warnings: checked?.warnings ?? [],
    };
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
    return c.json(await patch(c, name, await readBody(c, UpdateRepoRequest)));
  });
  app.patch('/:repo', async (c) => {
    requireAdmin(c);
    const name = nameOf(c.req.param('repo'), undefined);
    return c.json(await patch(c, name, await readBody(c, UpdateRepoRequest)));
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

/** A PATCH that moved nothing the remote could refuse: not checked. */
const UNCHECKED = {
  verified: false,
  default_branch: null,
  default_branch_discovered: false,
  push: 'unknown',
} as const;

/** Logs an onboarding refusal (code only: the message may name the remote) and passes it on. */
function refused(c: Context<AppEnv>, repo: string, err: unknown): never {
  if (err instanceof AppError && err.options.remedy)
    c.get('log').info({ repo, code: err.code }, 'onboarding refused');
  throw err;
}
