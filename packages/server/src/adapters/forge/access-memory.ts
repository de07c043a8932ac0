import { createHmac, randomBytes } from 'node:crypto';
import type { ForgeCheck, GitRemote, RepoRef } from '../../ports/forge.ts';

/**
 * What this process remembers of successful access checks (pre-flight's "reachable, may push"):
 * one per repo, remote URL and credential, for `ttlMs`. Failures are never remembered; calls that
 * ask while a check runs share it. The credential is kept only as a keyed hash (HMAC with a key of
 * this process), never itself.
 */
export interface AccessMemory {
  /**
   * A remembered success for `repo` reached at `remote`, else the result of `check` (remembered
   * when it succeeds). With a TTL of 0, `check` every time.
   */
  check(repo: RepoRef, remote: GitRemote, check: () => Promise<ForgeCheck>): Promise<ForgeCheck>;
  /** Forgets every success remembered for the repo (a push it made was refused for access). */
  forget(repo: Pick<RepoRef, 'repo'>): void;
  /** Successes remembered now (tests). */
  size(): number;
}

/** Most successes kept at once; past it the oldest go first. */
const MAX_ENTRIES = 10_000;

export function createAccessMemory(opts: {
  /** How long a success is trusted, in ms (ABCA_ACCESS_CHECK_TTL_S); 0: never. */
  ttlMs: number;
  /** Milliseconds now (tests move it). */
  now?: () => number;
}): AccessMemory {
  const now = opts.now ?? Date.now;
  const key = randomBytes(32);
  /** Fingerprint → repo name and expiry; in insertion order, so the first is the oldest. */
  const remembered = new Map<string, { repo: string; until: number }>();
  const running = new Map<string, { repo: string; result: Promise<ForgeCheck> }>();
  /** Bumped by `forget`: a check that began before it is not remembered. */
  const forgotten = new Map<string, number>();

  const fingerprint = (repo: RepoRef, remote: GitRemote): string =>
    createHmac('sha256', key)
      .update(
        JSON.stringify([
          repo.repo,
          repo.defaultBranch,
          repo.forge,
          remote.url,
          remote.credential?.url ?? null,
          remote.credential?.username ?? null,
          remote.credential?.password ?? null,
        ]),
      )
      .digest('hex');

  return {
    async check(repo, remote, check) {
      if (opts.ttlMs <= 0) return check();
      const id = fingerprint(repo, remote);
      const hit = remembered.get(id);
      if (hit && hit.until > now()) return { ok: true };
      if (hit) remembered.delete(id);
      const joined = running.get(id);
      if (joined) return joined.result;
      const started = now();
      const generation = forgotten.get(repo.repo) ?? 0;
      const result = check().finally(() => {
        if (running.get(id)?.result === result) running.delete(id);
      });
      running.set(id, { repo: repo.repo, result });
      const outcome = await result;
      if (outcome.ok && (forgotten.get(repo.repo) ?? 0) === generation) {
        // Trusted from when the check began, not when it ended.
        remembered.set(id, { repo: repo.repo, until: started + opts.ttlMs });
        for (const oldest of remembered.keys()) {
          if (remembered.size <= MAX_ENTRIES) break;
          remembered.delete(oldest);
        }
      }
      return outcome;
    },
    forget(repo) {
      for (const [id, entry] of remembered) if (entry.repo === repo.repo) remembered.delete(id);
      for (const [id, entry] of running) if (entry.repo === repo.repo) running.delete(id);
      forgotten.set(repo.repo, (forgotten.get(repo.repo) ?? 0) + 1);
    },
    size: () => remembered.size,
  };
}
