import {
  type ApiWarning,
  type ForgeSpec,
  type OnboardingFailureCode,
  onboardingRemedy,
  type RepoVerification,
} from '@abca/contracts';
import { scrub } from '../git/git-cli.ts';
import type { Logger } from '../ops/logger.ts';
import {
  type Forge,
  ForgeError,
  type GitCredential,
  type RemoteProblem,
  type RemoteVerification,
} from '../ports/forge.ts';

/** What a repo write asks to have checked. */
export interface RepoToVerify {
  repo: string;
  forge: ForgeSpec;
  /** The default branch the admin named; undefined: the remote's own is found and returned. */
  defaultBranch?: string;
  /** The plain-git credential the repo will have (given now, or the stored one kept). */
  credential?: GitCredential;
}

/** A remote fit to onboard, or why not (code, message, remedy), as a value. */
export type RepoVerdict =
  | {
      ok: true;
      /** The branch found on the remote (the named one, or its default). */
      defaultBranch: string;
      /** True when none was named and the remote's default was found: store it. */
      discovered: boolean;
      verification: RepoVerification;
      warnings: ApiWarning[];
    }
  | { ok: false; code: OnboardingFailureCode; message: string; remedy: string };

export interface RepoVerifier {
  verify(input: RepoToVerify): Promise<RepoVerdict>;
}

const CODE_OF: Record<RemoteProblem, OnboardingFailureCode> = {
  not_configured: 'FORGE_NOT_CONFIGURED',
  invalid: 'REMOTE_INVALID',
  not_found: 'REMOTE_NOT_FOUND',
  auth_failed: 'REMOTE_AUTH_FAILED',
  unreachable: 'REMOTE_UNREACHABLE',
  timeout: 'REMOTE_TIMEOUT',
};

/** The warning a repo stored without checking carries. */
export const NOT_VERIFIED_WARNING: ApiWarning = {
  code: 'NOT_VERIFIED',
  message:
    'Stored without checking the remote (verify=false): a wrong URL, credential or branch shows only when a task fails its pre-flight.',
};

const PUSH_NOT_CHECKED: ApiWarning = {
  code: 'PUSH_NOT_CHECKED',
  message:
    "Plain git cannot tell whether the credentials may push without pushing; the first task's pre-flight checks it (with a dry run).",
};

/** The branch tasks start from when a repo names none (`orchestrator/repo-ref.ts`). */
const PLATFORM_DEFAULT_BRANCH = 'main';

/** One `verifyRemote`; a forge error that escaped the adapter still gets its typed answer. */
async function askForge(forge: Forge, input: RepoToVerify, signal: AbortSignal): Promise<RemoteVerification> {
  try {
    return await forge.verifyRemote(
      {
        repo: input.repo,
        forge: input.forge,
        ...(input.defaultBranch ? { branch: input.defaultBranch } : {}),
        ...(input.credential ? { credential: input.credential } : {}),
      },
      { signal },
    );
  } catch (err) {
    if (!(err instanceof ForgeError)) throw err;
    const problem: RemoteProblem =
      err.code === 'REPO_NOT_FOUND_OR_NO_ACCESS'
        ? 'not_found'
        : err.code === 'INSUFFICIENT_PERMISSIONS'
          ? 'auth_failed'
          : 'unreachable';
    return { ok: false, problem, message: err.message };
  }
}

/**
 * Checks a remote before its repo is stored, through the {@link Forge} port, within `timeoutMs`
 * in all: the forge kind is configured here, the remote is well-formed and answers with the
 * credential, the default branch exists (or the remote's own is found) and, where the forge can
 * tell, the credentials may push. Nothing is written anywhere. A remote that does not answer in
 * time is `REMOTE_TIMEOUT`, never a request left hanging. Messages never hold the credential.
 */
export function createRepoVerifier(deps: { forge: Forge; timeoutMs: number; log?: Logger }): RepoVerifier {
  return {
    async verify(input) {
      const secrets = input.credential ? [input.credential.password, input.credential.username] : [];
      const refuse = (code: OnboardingFailureCode, message: string): RepoVerdict => ({
        ok: false,
        code,
        message: scrub(message, secrets),
        remedy: onboardingRemedy(code, input.forge.kind),
      });
      const seconds = Math.round(deps.timeoutMs / 100) / 10;
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          resolve('timeout');
        }, deps.timeoutMs);
      });
      // The race, not only the signal, bounds the wait: a forge call that ignores it still ends here.
      const ask = async (branch: string | undefined) => {
        const asked = askForge(
          deps.forge,
          { ...input, ...(branch ? { defaultBranch: branch } : {}) },
          controller.signal,
        );
        const found = await Promise.race([asked, timedOut]);
        if (found === 'timeout') asked.catch(() => {});
        return found;
      };
      let found: Awaited<ReturnType<typeof ask>>;
      try {
        found = await ask(input.defaultBranch);
        // A HEAD that names no branch (a bare repository made with another default): the platform's
        // default branch, when the remote has it.
        if (found !== 'timeout' && found.ok && !input.defaultBranch && !found.headBranch) {
          const again = await ask(PLATFORM_DEFAULT_BRANCH);
          if (again === 'timeout' || !again.ok) found = again;
          else if (again.branchExists) found = { ...again, headBranch: PLATFORM_DEFAULT_BRANCH };
        }
      } finally {
        clearTimeout(timer);
      }
      if (found === 'timeout' || (!found.ok && found.problem === 'timeout')) {
        return refuse('REMOTE_TIMEOUT', `${input.repo}: the remote did not answer within ${seconds} s.`);
      }
      if (!found.ok) return refuse(CODE_OF[found.problem], `${input.repo}: ${found.message}`);
      if (found.push === 'denied')
        return refuse(
          'PUSH_NOT_ALLOWED',
          `${input.repo}: the credentials may read the repository but not push to it.`,
        );
      let branch: string;
      if (input.defaultBranch) {
        if (!found.branchExists) {
          const theirs = found.headBranch ? ` (its default branch is '${found.headBranch}')` : '';
          return refuse(
            'DEFAULT_BRANCH_NOT_FOUND',
            `${input.repo}: the branch '${input.defaultBranch}' is not on the remote${theirs}.`,
          );
        }
        branch = input.defaultBranch;
      } else if (found.headBranch) branch = found.headBranch;
      else {
        return refuse(
          'DEFAULT_BRANCH_NOT_FOUND',
          `${input.repo}: the remote has no default branch to start from (an empty repository, or a HEAD naming a branch it lacks, and no '${PLATFORM_DEFAULT_BRANCH}' either).`,
        );
      }
      const warnings = found.push === 'unknown' ? [PUSH_NOT_CHECKED] : [];
      deps.log?.debug({ repo: input.repo, branch, push: found.push }, 'remote verified');
      return {
        ok: true,
        defaultBranch: branch,
        discovered: !input.defaultBranch,
        verification: {
          verified: true,
          default_branch: branch,
          default_branch_discovered: !input.defaultBranch,
          push: found.push === 'allowed' ? 'allowed' : 'unknown',
        },
        warnings,
      };
    },
  };
}
