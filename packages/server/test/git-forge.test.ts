import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub } from '@abca/fake-github';
import { createBubblewrapBackend } from '@abca/sandbox';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createGitForge } from '../src/adapters/forge/git/forge.ts';
import { createForgeRouter } from '../src/adapters/forge/router.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { gitError, scrub } from '../src/git/git-cli.ts';
import { createHostProcesses, type HostProcesses } from '../src/ops/host-processes.ts';
import type { Forge, RepoRef } from '../src/ports/forge.ts';
import { createPool } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import {
  getChangeRequest,
  insertChangeRequestReview,
  listChangeRequestComments,
  listChangeRequestReviews,
  listChangeRequests,
} from '../src/store/change-requests.ts';
import { type ForgeContractEnv, pushWithGit, runForgeContract, sh, writeSeed } from './forge-contract.ts';
import { runRemoteVerificationContract } from './remote-verification-contract.ts';
import { runWorkspacesContract } from './workspaces-contract.ts';

/** `mirrorFreshMs`: the mirrors' freshness window (the platform's default when not given). */
async function setupGitForge(processes?: HostProcesses, mirrorFreshMs?: number) {
  const root = mkdtempSync(join(tmpdir(), 'abca-git-forge-'));
  const seed = join(root, 'seed');
  writeSeed(seed);
  const bare = join(root, 'remote.git');
  sh(root, ['clone', '-q', '--bare', seed, bare]);
  const pool = createPool(await createTestDatabase('gitforge'), 4);
  await migrate(pool);
  const cacheDir = join(root, 'cache');
  const local = createLocalGit({
    cacheDir,
    remote: (r) => forge.gitRemote(r),
    ...(processes ? { processes } : {}),
    ...(mirrorFreshMs !== undefined ? { mirrorFreshMs } : {}),
  });
  const forge: Forge = createGitForge({ db: pool, git: local.git, mirrors: local.mirrors });
  const repo: RepoRef = { repo: 'local/app', defaultBranch: 'main', forge: { kind: 'git', url: bare } };
  const mirrorOf = (r: RepoRef) => local.mirrors.pathOf(r);
  const missingRepo: RepoRef = {
    repo: 'local/missing',
    defaultBranch: 'main',
    forge: { kind: 'git', url: join(root, 'missing.git') },
  };
  let n = 0;
  return {
    forge,
    workspaces: local.workspaces,
    mirrorOf,
    repo,
    missingRepo,
    pool,
    root,
    cacheDir,
    secrets: [] as string[],
    remote: {
      async branchHead(branch: string) {
        const out = sh(root, [
          '--git-dir',
          bare,
          'for-each-ref',
          '--format=%(objectname)',
          `refs/heads/${branch}`,
        ]);
        return out || undefined;
      },
      async commitUpstream(file: string, content: string) {
        const dev = join(root, `dev-${n++}`);
        sh(root, ['clone', '-q', bare, dev]);
        const { writeFileSync } = await import('node:fs');
        writeFileSync(join(dev, file), content);
        sh(dev, ['add', '-A']);
        sh(dev, ['commit', '-q', '-m', `Upstream ${file}`]);
        sh(dev, ['push', '-q', 'origin', 'HEAD:main']);
        return sh(dev, ['rev-parse', 'HEAD']);
      },
      async comments(number: number) {
        return (await listChangeRequestComments(pool, number)).map((c) => c.body);
      },
      async humanReview(number: number, review: Parameters<ForgeContractEnv['remote']['humanReview']>[1]) {
        await insertChangeRequestReview(pool, {
          number,
          author: review.reviewer,
          verdict: review.verdict,
          body: review.body,
          comments: review.comments,
        });
      },
      async threads(number: number) {
        const all = await listChangeRequestComments(pool, number);
        return all
          .filter((c) => c.path !== null && c.inReplyTo === null)
          .map((root) => ({
            path: root.path as string,
            resolved: root.resolved,
            bodies: all.filter((c) => c.id === root.id || c.inReplyTo === root.id).map((c) => c.body),
          }));
      },
      async reviews(number: number) {
        const all = await listChangeRequestComments(pool, number);
        return (await listChangeRequestReviews(pool, number)).map((r) => ({
          verdict: r.verdict,
          body: r.body,
          comments: all.filter((c) => c.reviewId === r.id).length,
        }));
      },
    },
    async cleanup() {
      await pool.end();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

runForgeContract('plain git', () => setupGitForge());
runWorkspacesContract('plain git', () => setupGitForge());
runRemoteVerificationContract('plain git (a local path)', async () => ({
  ...(await setupGitForge()),
  push: 'unknown',
}));

/** Plain git over HTTP with a token: the fake GitHub's git server, which checks it. */
runRemoteVerificationContract('plain git over http (with a token)', async () => {
  const token = 'tok-http-reader-0123456789';
  const gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'app', private: true }],
    tokens: { [token]: { login: 'reader', permissions: 'read' } },
  });
  const forge = createGitForge({
    db: undefined as never, // verifyRemote reads no table
    git: createLocalGit({ cacheDir: mkdtempSync(join(tmpdir(), 'abca-git-http-')), remote: () => never() })
      .git,
    mirrors: { sync: never, ensure: never },
  });
  const at = (name: string): RepoRef => ({
    repo: `acme/${name}`,
    defaultBranch: 'main',
    forge: { kind: 'git', url: gh.gitUrl('acme', name) },
  });
  const credential = { url: `${gh.webUrl}/`, username: 'x-access-token', password: token };
  const wrong = 'tok-wrong-9876543210';
  return {
    forge,
    repo: at('app'),
    missingRepo: at('missing'),
    credential,
    push: 'unknown',
    refused: { forge, target: { ...at('app'), credential: { ...credential, password: wrong } } },
    secrets: [token, wrong],
    cleanup: () => gh.close(),
  };
});

/** The git subcommand of a host process's argv (past git's `-c` options), or its program. */
function gitSubcommand(argv: string[]): string {
  if (argv[0] !== 'git') return argv[0] ?? '';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-c' || a === '-C') i++;
    else if (!a.startsWith('-')) return a;
  }
  return '';
}

function never(): never {
  throw new Error('not used by verifyRemote');
}

describe('plain-git forge specifics', () => {
  it('stores change requests with commits and diff, lists them, and hydrates comments', async () => {
    const env = await setupGitForge();
    try {
      const branch = 'abca/task-9/cr';
      const commit = await pushWithGit(env.forge, env.repo, {
        dir: join(env.root, 'ws'),
        branch,
        file: 'NEW.md',
        content: 'new file\n',
      });
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: 'main',
        title: 'New',
        body: 'Adds NEW.md',
        draft: false,
        taskId: 'TASK9',
      });
      const cr = await getChangeRequest(env.pool, pr.number);
      expect(cr).toMatchObject({ taskId: 'TASK9', headCommit: commit, state: 'open' });
      expect(cr?.commits.map((c) => c.subject)).toEqual(['Add NEW.md']);
      expect(cr?.diff).toContain('+new file');
      expect((await listChangeRequests(env.pool, { taskId: 'TASK9' })).map((c) => c.number)).toEqual([
        pr.number,
      ]);
      expect(await listChangeRequests(env.pool, { repo: 'other/repo' })).toEqual([]);
      await env.forge.comment(env.repo, pr.number, 'Looks good');
      const ctx = await env.forge.fetchContext(env.repo, { prNumber: pr.number, issueNumber: 3 });
      expect(ctx.issue).toBeUndefined();
      // A comment on no line is the PR's conversation, not a review thread.
      expect(ctx.pullRequest?.reviewThreads).toEqual([]);
      expect(ctx.pullRequest?.conversation.map((c) => [c.author, c.body])).toEqual([['abca', 'Looks good']]);
    } finally {
      await env.cleanup();
    }
  });

  /** Every host process the forge starts, by git subcommand (real processes, counted). */
  function countedProcesses() {
    const started: string[] = [];
    const real = createHostProcesses();
    const processes: HostProcesses = {
      ...real,
      run(argv, opts) {
        started.push(gitSubcommand(argv));
        return real.run(argv, opts);
      },
    };
    return { started, processes };
  }

  it('polls an unchanged change request without recomputing it, and recomputes once its branch moves', async () => {
    const { started, processes } = countedProcesses();
    // No freshness window: every poll refreshes the mirror.
    const env = await setupGitForge(processes, 0);
    try {
      const branch = 'abca/task-11/poll';
      const dir = join(env.root, 'ws-poll');
      await pushWithGit(env.forge, env.repo, { dir, branch, file: 'ONE.md', content: 'one\n' });
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: 'main',
        title: 'Poll',
        body: 'b',
        draft: false,
        taskId: 'TASK11',
      });
      const opened = await getChangeRequest(env.pool, pr.number);
      expect(opened?.commits).toHaveLength(1);

      started.length = 0;
      for (let i = 0; i < 3; i++) {
        const activity = await env.forge.listActivity(env.repo, pr.number);
        expect(activity.commits).toHaveLength(1);
      }
      // Each poll: the mirror's refresh (fetch, its head); both tips read from the mirror's ref files
      // (no git); no listing of the change (merge base, log, diff: one script), and the stored row
      // is not written again.
      expect(started.filter((c) => ['merge-base', 'log', 'diff', '/bin/sh'].includes(c))).toEqual([]);
      expect(started.filter((c) => c === 'for-each-ref')).toEqual([]);
      expect(started.length).toBeLessThanOrEqual(3 * 2);
      expect((await getChangeRequest(env.pool, pr.number))?.updatedAt).toEqual(opened?.updatedAt);

      // Someone pushes to the branch: the next poll sees it and recomputes commits and diff.
      writeFileSync(join(dir, 'TWO.md'), 'two\n');
      sh(dir, ['add', '-A']);
      sh(dir, ['commit', '-q', '-m', 'Add TWO.md']);
      sh(dir, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
      // Refs packed in the mirror (its upkeep does that) are read from `packed-refs` the same way.
      sh(env.root, ['--git-dir', env.mirrorOf(env.repo), 'pack-refs', '--all']);
      started.length = 0;
      const moved = await env.forge.listActivity(env.repo, pr.number);
      expect(moved.commits).toHaveLength(2);
      expect(started.filter((c) => c === '/bin/sh')).toHaveLength(1);
      expect(started.filter((c) => c === 'for-each-ref')).toEqual([]);
      const stored = await getChangeRequest(env.pool, pr.number);
      expect(stored?.diff).toContain('+two');
      expect(stored?.headCommit).toBe(sh(dir, ['rev-parse', 'HEAD']));
    } finally {
      await env.cleanup();
    }
  });

  it('takes the refresh of the opening for the polls that follow it within the freshness window', async () => {
    const { started, processes } = countedProcesses();
    const env = await setupGitForge(processes, 60_000);
    try {
      const branch = 'abca/task-12/window';
      await pushWithGit(env.forge, env.repo, {
        dir: join(env.root, 'ws-window'),
        branch,
        file: 'ONE.md',
        content: 'one\n',
      });
      started.length = 0;
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: 'main',
        title: 'Window',
        body: 'b',
        draft: false,
        taskId: 'TASK12',
      });
      // Opening follows a push: its refresh begins after the call, whatever the window.
      expect(started.filter((c) => c === 'fetch')).toHaveLength(1);
      started.length = 0;
      for (let i = 0; i < 3; i++) {
        const activity = await env.forge.listActivity(env.repo, pr.number);
        expect(activity.commits).toHaveLength(1);
      }
      expect(started.filter((c) => c === 'fetch')).toEqual([]);
      // Hydrating an iteration on it is strict again: someone may have pushed since.
      await env.forge.fetchContext(env.repo, { prNumber: pr.number });
      expect(started.filter((c) => c === 'fetch')).toHaveLength(1);
    } finally {
      await env.cleanup();
    }
  });

  it('routes by forge kind and fails clearly on an unconfigured kind', async () => {
    const env = await setupGitForge();
    try {
      const router = createForgeRouter({ git: env.forge });
      expect(await router.checkAccess(env.repo)).toEqual({ ok: true });
      const gh: RepoRef = {
        repo: 'acme/app',
        defaultBranch: 'main',
        forge: { kind: 'github', owner_repo: 'acme/app' },
      };
      expect(await router.checkAccess(gh)).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
      await expect(router.gitRemote(gh)).rejects.toThrow(/'github' forge/);
    } finally {
      await env.cleanup();
    }
  });

  it('rejects a non-fast-forward push with PUSH_REJECTED', async () => {
    const env = await setupGitForge();
    const backend = createBubblewrapBackend();
    const limits = { maxFiles: 1000, maxCheckoutBytes: 1e8, maxCaptureBytes: 1e7, maxFileBytes: 1e6 };
    try {
      const branch = 'abca/task-10/nff';
      const captures = [];
      for (const [name, text] of [
        ['wa', 'one'],
        ['wb', 'two'],
      ] as const) {
        const dir = join(env.root, name);
        const { baseCommit } = await env.workspaces.prepare(env.repo, { dir, branch, limits });
        const sandbox = await backend.create({ taskId: `nff-${name}-${process.pid}`, workspaceDir: dir });
        try {
          await env.workspaces.checkout(env.repo, sandbox);
          await sandbox.exec(`echo ${text} > X.md`);
          const capture = await env.workspaces.capture(env.repo, sandbox, {
            branch,
            baseCommit,
            message: text,
            limits,
          });
          captures.push({ baseCommit, capture });
        } finally {
          await sandbox.stop();
        }
      }
      const [a, b] = captures;
      await env.workspaces.push(env.repo, { branch, baseCommit: a?.baseCommit ?? '', capture: a!.capture });
      await expect(
        env.workspaces.push(env.repo, { branch, baseCommit: b?.baseCommit ?? '', capture: b!.capture }),
      ).rejects.toMatchObject({ code: 'PUSH_REJECTED' });
    } finally {
      await env.cleanup();
    }
  });
});

describe('git error mapping', () => {
  const cases: [string, 'fetch' | 'push', string, boolean][] = [
    [
      "fatal: unable to access 'https://h/x.git/': Could not resolve host: h",
      'fetch',
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      "fatal: unable to access 'https://h/x.git/': The requested URL returned error: 502",
      'push',
      'GITHUB_UNREACHABLE',
      true,
    ],
    ["fatal: Authentication failed for 'https://h/x.git/'", 'fetch', 'REPO_NOT_FOUND_OR_NO_ACCESS', false],
    [
      "remote: Repository not found.\nfatal: repository 'https://h/x.git/' not found",
      'fetch',
      'REPO_NOT_FOUND_OR_NO_ACCESS',
      false,
    ],
    [
      "remote: Permission to a/b.git denied to bot.\nfatal: unable to access 'https://h/a/b.git/': The requested URL returned error: 403",
      'push',
      'INSUFFICIENT_PERMISSIONS',
      false,
    ],
    [
      ' ! [rejected]        x -> x (non-fast-forward)\nerror: failed to push some refs',
      'push',
      'PUSH_REJECTED',
      false,
    ],
    [' ! [remote rejected] x -> x (protected branch hook declined)', 'push', 'PUSH_REJECTED', false],
  ];
  it.each(cases)('maps %j on %s', (stderr, op, code, retryable) => {
    expect(gitError(['fetch'], stderr, op)).toMatchObject({ code, retryable });
  });

  it('scrubs secrets, their base64 form and URL credentials', () => {
    const b64 = Buffer.from('x-access-token:s3cr3t-token').toString('base64');
    const text = scrub(`https://user:pw@h/x.git s3cr3t-token Authorization: Basic ${b64}`, ['s3cr3t-token']);
    expect(text).not.toMatch(/s3cr3t|pw@/);
    expect(text).not.toContain(b64);
  });

  it('reports an unreachable remote as GITHUB_UNREACHABLE (retryable)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'abca-git-unreach-'));
    const noDb = { query: async () => ({ rows: [] }) } as unknown as Parameters<
      typeof createGitForge
    >[0]['db'];
    const local = createLocalGit({ cacheDir: root, remote: (r) => forge.gitRemote(r) });
    const forge: Forge = createGitForge({ db: noDb, git: local.git, mirrors: local.mirrors });
    const repo: RepoRef = {
      repo: 'x/y',
      defaultBranch: 'main',
      forge: { kind: 'git', url: 'http://127.0.0.1:1/y.git' },
    };
    try {
      expect(await forge.checkAccess(repo)).toMatchObject({ ok: false, code: 'GITHUB_UNREACHABLE' });
      await expect(local.workspaces.remoteHead(repo, 'main')).rejects.toMatchObject({
        code: 'GITHUB_UNREACHABLE',
        retryable: true,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
