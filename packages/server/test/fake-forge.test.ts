import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createFakeEffects } from '../src/adapters/fake-effects.ts';
import { createFakeForge, fakeRemotePath } from '../src/adapters/forge/fake.ts';
import {
  addFakeConversationComment,
  addFakeReview,
  listFakeReviewComments,
  listFakeReviews,
  setFakePullState,
} from '../src/adapters/forge/fake-pulls.ts';
import { threadsOf } from '../src/adapters/forge/stored-threads.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import type { Forge, RepoRef } from '../src/ports/forge.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import {
  type ForgeContractEnv,
  pushWithGit,
  runForgeContract,
  sh,
  writeSeedFiles,
} from './forge-contract.ts';
import { runRemoteVerificationContract } from './remote-verification-contract.ts';
import { runWorkspacesContract, type WorkspacesContractEnv } from './workspaces-contract.ts';

/**
 * The fake forge is held to the same contracts as the real ones: its remote is a real bare
 * repository, so the task's git work runs through the one Workspaces implementation.
 */
async function setupFakeForge(): Promise<
  ForgeContractEnv & WorkspacesContractEnv & { pool: ReturnType<typeof createPool>; root: string }
> {
  const root = mkdtempSync(join(tmpdir(), 'abca-fake-forge-'));
  const pool = createPool(await createTestDatabase('fakeforge'), 4);
  await migrate(pool);
  const cacheDir = join(root, 'cache');
  const local = createLocalGit({ cacheDir, remote: (r) => forge.gitRemote(r) });
  const effects = createFakeEffects(pool, { executorId: 'test', delayMs: 0 });
  const forge: Forge = createFakeForge({ db: pool, effects, git: local.git, cacheDir });
  const repo: RepoRef = { repo: 'acme/fake', defaultBranch: 'main', forge: { kind: 'fake' } };
  const bare = fakeRemotePath(cacheDir, repo.repo);
  let n = 0;
  const upstream = async (write: (dir: string) => void, message: string) => {
    await forge.gitRemote(repo); // makes the remote
    const dev = join(root, `dev-${n++}`);
    sh(root, ['clone', '-q', bare, dev]);
    write(dev);
    sh(dev, ['add', '-A']);
    sh(dev, ['commit', '-q', '-m', message]);
    sh(dev, ['push', '-q', 'origin', 'HEAD:main']);
    return sh(dev, ['rev-parse', 'HEAD']);
  };
  // The fake's remote starts with one empty commit; the contracts expect the seed files on it.
  await upstream(writeSeedFiles, 'Seed');
  return {
    forge,
    workspaces: local.workspaces,
    repo,
    missingRepo: { repo: 'fake-missing/repo', defaultBranch: 'main', forge: { kind: 'fake' } },
    cacheDir,
    pool,
    root,
    secrets: [],
    remote: {
      async branchHead(branch) {
        return (
          sh(root, ['--git-dir', bare, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`]) ||
          undefined
        );
      },
      commitUpstream: (file, content) =>
        upstream((dir) => writeFileSync(join(dir, file), content), `Upstream ${file}`),
      // People act on the fake's pull requests through its tables, as on a forge's website.
      async humanReview(number, review) {
        await addFakeReview(pool, {
          pull: number,
          author: review.reviewer,
          verdict: review.verdict,
          body: review.body,
          comments: review.comments,
        });
      },
      async threads(number) {
        return threadsOf(await listFakeReviewComments(pool, number)).map((t) => ({
          path: t.path,
          resolved: t.resolved,
          bodies: t.comments.map((c) => c.body),
        }));
      },
      async reviews(number) {
        const comments = await listFakeReviewComments(pool, number);
        return (await listFakeReviews(pool, number)).map((r) => ({
          verdict: r.verdict,
          body: r.body,
          comments: comments.filter((c) => c.reviewId === r.id).length,
        }));
      },
      async comments(number) {
        const res = await pool.query<{ body: string }>(
          "SELECT detail->>'body' AS body FROM fake_effects WHERE effect = 'forge.comment' AND (detail->>'number')::int = $1 ORDER BY id",
          [number],
        );
        return res.rows.map((r) => r.body);
      },
    },
    async cleanup() {
      await pool.end();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

runForgeContract('fake', setupFakeForge);
runWorkspacesContract('fake', setupFakeForge);
runRemoteVerificationContract('fake', async () => ({ ...(await setupFakeForge()), push: 'allowed' }));

describe('fake forge PR loop specifics', () => {
  it("reflects a pull request's merge, labels, commits and people's conversation", async () => {
    const env = await setupFakeForge();
    try {
      const branch = 'abca/task-20/state';
      const head = await pushWithGit(env.forge, env.repo, {
        dir: join(env.root, 'ws-state'),
        branch,
        file: 'STATE.md',
        content: 'state\n',
      });
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: 'main',
        title: 'State',
        body: 'Body',
        draft: false,
        taskId: 'TASK20',
      });
      await env.forge.comment(env.repo, pr.number, 'ABCA status.', { taskId: 'TASK20' });
      await addFakeConversationComment(env.pool, {
        repo: env.repo.repo,
        number: pr.number,
        author: 'octo-human',
        body: '@abca please rename it',
      });
      const ctx = await env.forge.fetchContext(env.repo, { prNumber: pr.number });
      expect(ctx.pullRequest?.conversation.map((c) => [c.author, c.body])).toEqual([
        ['abca', 'ABCA status.'],
        ['octo-human', '@abca please rename it'],
      ]);
      expect((await env.forge.listActivity(env.repo, pr.number)).commits).toEqual([
        { sha: head, author: 'Test' },
      ]);

      await setFakePullState(env.pool, env.repo.repo, pr.number, { state: 'merged', labels: ['abca:stop'] });
      const info = await env.forge.getPullRequest(env.repo, pr.number);
      expect(info).toMatchObject({ state: 'merged', labels: ['abca:stop'], headSha: head, author: 'abca' });
      expect(info?.mergedAt).toBeTruthy();
      expect(info?.closedAt).toBeTruthy();
      expect((await env.forge.fetchContext(env.repo, { prNumber: pr.number })).pullRequest?.state).toBe(
        'merged',
      );
      expect(await env.forge.findPullRequest(env.repo, branch)).toMatchObject({ state: 'merged' });
      // Another repo's number is not this one's.
      expect(await env.forge.getPullRequest({ ...env.repo, repo: 'acme/other' }, pr.number)).toBeUndefined();
    } finally {
      await env.cleanup();
    }
  });
});
