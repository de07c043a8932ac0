import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createFakeEffects } from '../src/adapters/fake-effects.ts';
import { createFakeForge, fakeRemotePath } from '../src/adapters/forge/fake.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import type { Forge, RepoRef } from '../src/ports/forge.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { type ForgeContractEnv, runForgeContract, sh, writeSeedFiles } from './forge-contract.ts';
import { runRemoteVerificationContract } from './remote-verification-contract.ts';
import { runWorkspacesContract, type WorkspacesContractEnv } from './workspaces-contract.ts';

/**
 * The fake forge is held to the same contracts as the real ones: its remote is a real bare
 * repository, so the task's git work runs through the one Workspaces implementation.
 */
async function setupFakeForge(): Promise<ForgeContractEnv & WorkspacesContractEnv> {
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
      // TODO(pr-loop foundation): the helper implementing this forge's PR loop fills these.
      humanReview: () => Promise.reject(new Error('not implemented yet')),
      threads: () => Promise.reject(new Error('not implemented yet')),
      reviews: () => Promise.reject(new Error('not implemented yet')),
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
