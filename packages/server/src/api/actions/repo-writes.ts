import {
  type ApiWarning,
  type CreateRepoRequest,
  type RepoInfo,
  RepoSettings,
  type RepoVerification,
  type UpdateRepoRequest,
} from '@abca/contracts';
import { configuredProviders } from '../../config/model-providers.ts';
import { AppError } from '../../ops/errors.ts';
import type { Logger } from '../../ops/logger.ts';
import { withTx } from '../../storage/db.ts';
import { deleteRepo, getRepo, insertRepo, updateRepo } from '../../store/repo-store.ts';
import type { ApiDeps } from '../deps.ts';
import { validationError } from '../errors.ts';
import { applyCredentialChange, readRepoCredential } from '../repo-credential-input.ts';
import { checkRepoModel } from '../repo-model.ts';
import { readVerifyFlag, verifyRepoWrite } from '../repo-verification.ts';

/** What adding or changing a repo answers: the repo, what verifying found, and warnings. */
export interface RepoWrite {
  data: RepoInfo;
  verification: RepoVerification;
  warnings: ApiWarning[];
}

export type RepoWriteDeps = Pick<ApiDeps, 'db' | 'config' | 'repoVerifier' | 'credentials'>;

/** A PATCH that moved nothing the remote could refuse: not checked. */
const UNCHECKED: RepoVerification = {
  verified: false,
  default_branch: null,
  default_branch_discovered: false,
  push: 'unknown',
};

/** The onboarded repo named `repoName`, or NOT_FOUND. */
export async function showRepo(deps: Pick<ApiDeps, 'db'>, repoName: string): Promise<RepoInfo> {
  const repo = await getRepo(deps.db, repoName);
  if (!repo) throw new AppError('NOT_FOUND', `Repository ${repoName} is not onboarded.`);
  return repo;
}

/**
 * Onboards a repo (`POST /v1/repos`, the dashboard's /repos form): checks the model, reads the
 * credential, refuses a second add at once, verifies the remote unless `verify` is false (a failure
 * is a typed 422 with a remedy, and nothing is stored; `verify` from the body, or `?verify=`), then stores repo and credential together.
 * The caller checked that the principal is an admin.
 */
export async function onboardRepo(
  deps: RepoWriteDeps,
  log: Logger,
  body: CreateRepoRequest,
  verifyQuery?: string,
): Promise<RepoWrite> {
  const verify = readVerifyFlag(verifyQuery, body.verify);
  checkRepoModel(body.settings.model, configuredProviders(deps.config));
  const { forge, change } = readRepoCredential({
    forge: body.forge,
    credential: body.credential,
    fallback: body.repo.includes('/') ? { kind: 'github', owner_repo: body.repo } : undefined,
  });
  if (!forge) {
    throw new AppError(
      'VALIDATION_ERROR',
      `Say where ${body.repo} lives: forge {"kind":"git","url":"..."} or a GitHub owner/name.`,
      { details: [{ field: 'forge', message: 'required for a name without owner/' }] },
    );
  }
  const duplicate = () =>
    new AppError('VALIDATION_ERROR', `Repository ${body.repo} is already onboarded; change it with PATCH.`, {
      details: [{ field: 'repo', message: 'already onboarded' }],
    });
  // Before the remote is asked: a second add is answered at once, whatever the remote does.
  if (await getRepo(deps.db, body.repo)) throw duplicate();
  const checked = await verifyRepoWrite(
    { verifier: deps.repoVerifier, credentials: deps.credentials },
    { repo: body.repo, forge, settings: body.settings, change, stored: false, verify },
  ).catch((err: unknown) => refused(log, body.repo, err));
  const repo = await withTx(deps.db, async (tx) => {
    if (!(await insertRepo(tx, { repo: body.repo, forge, settings: checked.settings }))) return undefined;
    await applyCredentialChange(tx, deps.credentials, body.repo, change);
    return getRepo(tx, body.repo);
  });
  if (!repo) throw duplicate();
  log.info(
    {
      repo: body.repo,
      forge: forge.kind,
      credential: change.kind === 'put',
      verified: checked.verification.verified,
    },
    'repository onboarded',
  );
  return { data: repo, verification: checked.verification, warnings: checked.warnings };
}

/**
 * Changes a repo (`PATCH /v1/repos/{repo}`, the dashboard's settings form): settings merge field by
 * field (`null` clears one) and are checked as a whole, naming the bad field under `settings.`;
 * only a move (forge, credential, default branch) asks the remote, so a remote that is down does
 * not stop a change of the test command. The caller checked that the principal is an admin.
 */
export async function changeRepo(
  deps: RepoWriteDeps,
  log: Logger,
  repoName: string,
  body: UpdateRepoRequest,
  verifyQuery?: string,
): Promise<RepoWrite> {
  checkRepoModel(body.settings?.model, configuredProviders(deps.config));
  const verify = readVerifyFlag(verifyQuery, body.verify);
  const current = await showRepo(deps, repoName);
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
  const moves =
    body.forge !== undefined || body.credential !== undefined || body.settings?.default_branch !== undefined;
  const checked = moves
    ? await verifyRepoWrite(
        { verifier: deps.repoVerifier, credentials: deps.credentials },
        {
          repo: repoName,
          forge: nextForge,
          settings: settings.data,
          change,
          stored: current.credential !== null,
          verify,
        },
      ).catch((err: unknown) => refused(log, repoName, err))
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
}

/** Removes an onboarded repo, or NOT_FOUND. The caller checked that the principal is an admin. */
export async function removeRepo(
  deps: Pick<ApiDeps, 'db'>,
  repoName: string,
): Promise<{ repo: string; removed: true }> {
  if (!(await deleteRepo(deps.db, repoName)))
    throw new AppError('NOT_FOUND', `Repository ${repoName} is not onboarded.`);
  return { repo: repoName, removed: true };
}

/** Logs an onboarding refusal (code only: the message may name the remote) and passes it on. */
function refused(log: Logger, repo: string, err: unknown): never {
  if (err instanceof AppError && err.options.remedy) log.info({ repo, code: err.code }, 'onboarding refused');
  throw err;
}
