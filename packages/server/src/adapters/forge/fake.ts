import type { Forge, PullRequest } from '../../ports/forge.ts';
import type { Queryable } from '../../storage/db.ts';
import type { FakeEffects } from '../fake-effects.ts';

const UNREACHABLE = 'fake-unreachable/';
const NO_PUSH = 'fake-readonly/';

/**
 * A forge kept in the platform's database: branches and pull requests are rows. Used by tests and
 * the development mode. Repos named `fake-unreachable/*` fail pre-flight as unreachable and
 * `fake-readonly/*` as not pushable, so the typed failures can be exercised.
 */
export function createFakeForge(deps: { db: Queryable; effects: FakeEffects; baseUrl?: string }): Forge {
  const { db, effects } = deps;
  const base = deps.baseUrl ?? 'https://forge.invalid';
  const toPr = (r: {
    number: number;
    repo: string;
    branch: string;
    base: string;
    draft: boolean;
  }): PullRequest => ({
    number: r.number,
    url: `${base}/${r.repo}/pull/${r.number}`,
    branch: r.branch,
    base: r.base,
    draft: r.draft,
  });
  return {
    kind: 'fake',
    async checkAccess(repo) {
      await effects.pause();
      if (repo.repo.startsWith(UNREACHABLE)) {
        return {
          ok: false,
          code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
          message: `fake forge: ${repo.repo} is unreachable`,
        };
      }
      if (repo.repo.startsWith(NO_PUSH)) {
        return {
          ok: false,
          code: 'INSUFFICIENT_PERMISSIONS',
          message: `fake forge: no push access to ${repo.repo}`,
        };
      }
      return { ok: true };
    },
    async fetchContext(_repo, ref) {
      await effects.pause();
      return {
        ...(ref.issueNumber
          ? {
              issue: {
                number: ref.issueNumber,
                title: `Issue ${ref.issueNumber}`,
                body: 'Fake issue body.',
                comments: [],
              },
            }
          : {}),
        ...(ref.prNumber
          ? {
              pullRequest: {
                number: ref.prNumber,
                title: `PR ${ref.prNumber}`,
                body: 'Fake PR.',
                diff: '',
                reviewComments: [],
              },
            }
          : {}),
      };
    },
    async getBranchHead(repo, branch) {
      const res = await db.query<{ head: string }>(
        'SELECT head FROM fake_forge_branches WHERE repo = $1 AND branch = $2',
        [repo.repo, branch],
      );
      return res.rows[0]?.head;
    },
    async pushBranch(repo, branch, commit) {
      const res = await db.query(
        `INSERT INTO fake_forge_branches (repo, branch, head) VALUES ($1, $2, $3)
         ON CONFLICT (repo, branch) DO UPDATE SET head = EXCLUDED.head WHERE fake_forge_branches.head <> EXCLUDED.head`,
        [repo.repo, branch, commit],
      );
      if ((res.rowCount ?? 0) > 0) {
        await effects.record(taskIdOf(branch), 'forge.push', { branch, commit });
        await effects.pause();
      }
    },
    async findPullRequest(repo, branch) {
      const res = await db.query<{
        number: number;
        repo: string;
        branch: string;
        base: string;
        draft: boolean;
      }>(
        'SELECT number, repo, branch, base, draft FROM fake_forge_pulls WHERE repo = $1 AND branch = $2 ORDER BY number LIMIT 1',
        [repo.repo, branch],
      );
      return res.rows[0] ? toPr(res.rows[0]) : undefined;
    },
    async openPullRequest(repo, pr) {
      const res = await db.query<{
        number: number;
        repo: string;
        branch: string;
        base: string;
        draft: boolean;
      }>(
        `INSERT INTO fake_forge_pulls (repo, branch, base, title, body, draft) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING number, repo, branch, base, draft`,
        [repo.repo, pr.branch, pr.base, pr.title, pr.body, pr.draft],
      );
      const opened = toPr(
        res.rows[0] as { number: number; repo: string; branch: string; base: string; draft: boolean },
      );
      await effects.record(taskIdOf(pr.branch), 'forge.pr_opened', {
        number: opened.number,
        branch: pr.branch,
      });
      await effects.pause();
      return opened;
    },
  };
}

/** Branches are `abca/<task id>/<slug>`; the fake files its effects under that task. */
function taskIdOf(branch: string): string {
  return (branch.split('/')[1] ?? branch).toUpperCase();
}
