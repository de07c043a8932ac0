import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forge, GitCredential, RemoteTarget, RemoteVerification, RepoRef } from '../src/ports/forge.ts';

/** What one forge gives the onboarding contract. */
export interface RemoteVerificationEnv {
  forge: Forge;
  /** An existing repo whose default branch (its HEAD) is `repo.defaultBranch`. */
  repo: RepoRef;
  /** A repo that is not on the remote (or that the credentials cannot see). */
  missingRepo: RepoRef;
  /** The plain-git credential that reads `repo` (http remotes); the others use the server's own. */
  credential?: GitCredential;
  /** What the forge says of pushing to `repo`: `unknown` for plain git, which cannot tell. */
  push: 'allowed' | 'unknown';
  /**
   * A target whose credentials the remote refuses (a wrong repo token, or a forge holding a wrong
   * server token), where the forge has credentials to refuse.
   */
  refused?: { forge: Forge; target: RemoteTarget };
  /** Every credential in play; none may show up in an answer. */
  secrets: string[];
  cleanup(): Promise<void>;
}

/**
 * The contract of {@link Forge.verifyRemote} that every forge runs, the fake included: the
 * remote's default branch found without one named, a named branch checked, a missing remote and
 * refused credentials told apart, a fired signal ending the call, and no credential in any answer.
 */
export function runRemoteVerificationContract(
  name: string,
  setup: () => Promise<RemoteVerificationEnv>,
): void {
  describe(`remote verification contract: ${name}`, () => {
    let env: RemoteVerificationEnv;
    beforeAll(async () => {
      env = await setup();
    });
    afterAll(async () => {
      await env?.cleanup();
    });

    const target = (repo: RepoRef, branch?: string): RemoteTarget => ({
      repo: repo.repo,
      forge: repo.forge,
      ...(branch ? { branch } : {}),
      ...(env.credential ? { credential: env.credential } : {}),
    });
    const ask = (t: RemoteTarget, signal = new AbortController().signal) =>
      env.forge.verifyRemote(t, { signal });
    const noSecretsIn = (found: RemoteVerification) => {
      const text = JSON.stringify(found);
      for (const s of env.secrets) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(Buffer.from(s).toString('base64').slice(0, 16));
      }
    };

    it("finds the remote's default branch when none is named, and says what it knows of pushing", async () => {
      const found = await ask(target(env.repo));
      expect(found).toEqual({ ok: true, headBranch: env.repo.defaultBranch, push: env.push });
    });

    it('checks a named branch', async () => {
      expect(await ask(target(env.repo, env.repo.defaultBranch))).toMatchObject({
        ok: true,
        branchExists: true,
      });
      expect(await ask(target(env.repo, 'no-such-branch'))).toMatchObject({ ok: true, branchExists: false });
    });

    it('tells a missing remote as not_found, without a secret', async () => {
      const found = await ask(target(env.missingRepo));
      expect(found).toMatchObject({ ok: false, problem: 'not_found' });
      noSecretsIn(found);
    });

    it('tells refused credentials as auth_failed, without a secret', async (ctx) => {
      if (!env.refused) ctx.skip(); // this forge takes no credential (a local path, the fake)
      const refused = env.refused as NonNullable<RemoteVerificationEnv['refused']>;
      const found = await refused.forge.verifyRemote(refused.target, {
        signal: new AbortController().signal,
      });
      expect(found).toMatchObject({ ok: false, problem: 'auth_failed' });
      noSecretsIn(found);
    });

    it('ends as timeout when the signal fires', async () => {
      const controller = new AbortController();
      controller.abort();
      expect(await ask(target(env.repo), controller.signal)).toMatchObject({ ok: false, problem: 'timeout' });
    });
  });
}
