import { ONBOARDING_FAILURES } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { createForgeRouter } from '../adapters/forge/router.ts';
import type { Forge, RemoteTarget, RemoteVerification } from '../ports/forge.ts';
import { createRepoVerifier } from './verify-repo.ts';

/** A forge that answers `verifyRemote` with `answer` (and records what it was asked); nothing else. */
function answering(answer: (target: RemoteTarget, signal: AbortSignal) => Promise<RemoteVerification>) {
  const asked: RemoteTarget[] = [];
  const unused = () => {
    throw new Error('not used in onboarding');
  };
  const forge: Forge = {
    kind: 'git',
    checkAccess: unused,
    gitRemote: unused,
    findPullRequest: unused,
    openPullRequest: unused,
    updatePullRequest: unused,
    fetchContext: unused,
    comment: unused,
    getPullRequest: unused,
    listActivity: unused,
    replyToThread: unused,
    resolveThread: unused,
    postReview: unused,
    async verifyRemote(target, { signal }) {
      asked.push(target);
      return answer(target, signal);
    },
  };
  return { forge: createForgeRouter({ git: forge }), asked };
}

const gitRepo = { repo: 'tools', forge: { kind: 'git' as const, url: 'https://git.example.com/t.git' } };

describe('createRepoVerifier', () => {
  it('stores the remote default branch when none was named, and warns that plain git cannot tell push', async () => {
    const { forge, asked } = answering(async () => ({ ok: true, headBranch: 'trunk', push: 'unknown' }));
    const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify(gitRepo);
    expect(verdict).toMatchObject({ ok: true, defaultBranch: 'trunk', discovered: true });
    expect(verdict.ok && verdict.warnings.map((w) => w.code)).toEqual(['PUSH_NOT_CHECKED']);
    expect(asked[0]).toEqual({ repo: 'tools', forge: gitRepo.forge });
  });

  it("a HEAD naming no branch: the platform's default branch when the remote has it", async () => {
    const { forge, asked } = answering(async (t) =>
      t.branch
        ? { ok: true, branchExists: t.branch === 'main', push: 'unknown' }
        : { ok: true, push: 'unknown' },
    );
    const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify(gitRepo);
    expect(verdict).toMatchObject({ ok: true, defaultBranch: 'main', discovered: true });
    expect(asked.map((t) => t.branch)).toEqual([undefined, 'main']);
  });

  it('a forge kind with no adapter here is FORGE_NOT_CONFIGURED with its remedy', async () => {
    const { forge } = answering(async () => ({ ok: true, push: 'unknown' }));
    const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify({
      repo: 'octo/cat',
      forge: { kind: 'github', owner_repo: 'octo/cat' },
    });
    expect(verdict).toMatchObject({
      ok: false,
      code: 'FORGE_NOT_CONFIGURED',
      remedy: ONBOARDING_FAILURES.FORGE_NOT_CONFIGURED.remedy,
    });
  });

  it('ends at the time limit even when the forge ignores the signal', async () => {
    let aborted = false;
    const { forge } = answering(
      (_t, signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    );
    const started = Date.now();
    const verdict = await createRepoVerifier({ forge, timeoutMs: 300 }).verify(gitRepo);
    expect(verdict).toMatchObject({ ok: false, code: 'REMOTE_TIMEOUT' });
    expect(!verdict.ok && verdict.message).toContain('0.3 s');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(aborted).toBe(true);
  });

  it('maps each problem to its code, a named branch that is missing, and a push the forge denies', async () => {
    const cases: [RemoteVerification, string][] = [
      [{ ok: false, problem: 'invalid', message: 'x' }, 'REMOTE_INVALID'],
      [{ ok: false, problem: 'not_found', message: 'x' }, 'REMOTE_NOT_FOUND'],
      [{ ok: false, problem: 'auth_failed', message: 'x' }, 'REMOTE_AUTH_FAILED'],
      [{ ok: false, problem: 'unreachable', message: 'x' }, 'REMOTE_UNREACHABLE'],
      [{ ok: false, problem: 'timeout', message: 'x' }, 'REMOTE_TIMEOUT'],
      [{ ok: true, headBranch: 'main', push: 'denied' }, 'PUSH_NOT_ALLOWED'],
      [{ ok: true, push: 'unknown' }, 'DEFAULT_BRANCH_NOT_FOUND'],
    ];
    for (const [answer, code] of cases) {
      const { forge } = answering(async () => answer);
      const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify(gitRepo);
      expect(verdict, code).toMatchObject({ ok: false, code });
    }
    const { forge } = answering(async () => ({
      ok: true,
      headBranch: 'main',
      branchExists: false,
      push: 'unknown',
    }));
    const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify({
      ...gitRepo,
      defaultBranch: 'dev',
    });
    expect(verdict).toMatchObject({ ok: false, code: 'DEFAULT_BRANCH_NOT_FOUND' });
    expect(!verdict.ok && verdict.message).toContain("its default branch is 'main'");
  });

  it('scrubs the credential from a message a forge let through', async () => {
    const password = 'tok-never-shown-1234';
    const { forge } = answering(async (t) => ({
      ok: false,
      problem: 'auth_failed',
      message: `refused ${t.credential?.password}`,
    }));
    const verdict = await createRepoVerifier({ forge, timeoutMs: 5_000 }).verify({
      ...gitRepo,
      credential: { url: 'https://git.example.com/', username: 'bot', password },
    });
    expect(verdict).toMatchObject({ ok: false, code: 'REMOTE_AUTH_FAILED' });
    expect(JSON.stringify(verdict)).not.toContain(password);
  });
});
