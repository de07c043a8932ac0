/**
 * The Workspaces port over a plain-git remote, on a synthetic repo of ~3,000 files: mirror
 * creation and refresh, a task workspace (prepared on the host, checked out in a bubblewrap
 * sandbox), taking the work out (bundle in the sandbox, verified on the host) and pushing it,
 * each next to the plain git command doing the same job on the same repo in the same run
 * (`git clone --mirror`, `git fetch`, `git clone`, `git push`). Also times the two clone
 * strategies the workspace could use, to justify the one it does. Every figure is the median of
 * its rounds with their spread (min–max), each round timing the figure and its baseline in turn.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend } from '../packages/sandbox/src/index.ts';
import { createGitForge } from '../packages/server/src/adapters/forge/git/forge.ts';
import { createLocalGit } from '../packages/server/src/adapters/workspaces/local-git.ts';
import type { Forge, RepoRef } from '../packages/server/src/ports/forge.ts';
import type { WorkspaceLimits } from '../packages/server/src/ports/workspaces.ts';
import type { Queryable } from '../packages/server/src/storage/db.ts';
import { removeBenchFolder } from './bench-folders.ts';
import { type BenchResult, fromRuns, printTable } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const FILES = benchConfig.forgeFiles;
const ROUNDS = benchConfig.forgeRounds;

const gitEnv = {
  PATH: benchConfig.path,
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

async function timed(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Makes a commit touching `n` files in the non-bare repo `dir`. */
function commitChange(dir: string, tag: string, n = 10): void {
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `d${i % 30}`, `f${i}.txt`), `changed ${tag}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `change ${tag}`);
}

export async function run(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'abca-bench-forge-'));
  try {
    const seed = join(root, 'seed');
    for (let d = 0; d < 30; d++) mkdirSync(join(seed, `d${d}`), { recursive: true });
    for (let i = 0; i < FILES; i++) {
      writeFileSync(
        join(seed, `d${i % 30}`, `f${i}.txt`),
        `file ${i}\n${'lorem ipsum dolor sit amet '.repeat(40)}\n`,
      );
    }
    git(seed, 'init', '-q', '-b', 'main');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'seed');
    for (let c = 0; c < 20; c++) commitChange(seed, `history-${c}`);
    const remote = join(root, 'remote.git');
    git(root, 'clone', '-q', '--bare', seed, remote);
    const upstream = join(root, 'upstream');
    git(root, 'clone', '-q', remote, upstream);

    const noDb: Queryable = {
      query: async () => {
        throw new Error('the bench does not use change requests');
      },
    };
    const local = createLocalGit({ cacheDir: join(root, 'cache'), remote: (r) => forge.gitRemote(r) });
    const forge: Forge = createGitForge({ db: noDb, git: local.git, mirrors: local.mirrors });
    const { workspaces } = local;
    const repo: RepoRef = { repo: 'bench/app', defaultBranch: 'main', forge: { kind: 'git', url: remote } };
    const limits: WorkspaceLimits = {
      maxFiles: 1_000_000,
      maxCheckoutBytes: 10 * 2 ** 30,
      maxCaptureBytes: 64 * 2 ** 20,
      maxFileBytes: 100 * 2 ** 20,
    };
    const backend = createBubblewrapBackend();

    // A first mirror in a fresh cache, each round, next to git's own.
    const mirrorCreate: number[] = [];
    const plainMirrorCreate: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const fresh = createLocalGit({
        cacheDir: join(root, `cache-first-${r}`),
        remote: (x) => forge.gitRemote(x),
      });
      mirrorCreate.push(await timed(() => fresh.workspaces.syncMirror(repo)));
      const dir = join(root, `plain-first-${r}.git`);
      plainMirrorCreate.push(
        await timed(() => git(root, 'clone', '-q', '--mirror', '--no-local', remote, dir)),
      );
      removeBenchFolder(join(root, `cache-first-${r}`), benchConfig.removeList);
      removeBenchFolder(dir, benchConfig.removeList);
    }
    const plainMirror = join(root, 'plain-mirror.git');
    git(root, 'clone', '-q', '--mirror', '--no-local', remote, plainMirror);

    const refresh: number[] = [];
    const plainFetch: number[] = [];
    const create: number[] = [];
    const plainClone: number[] = [];
    const referenceClone: number[] = [];
    const copyClone: number[] = [];
    const capture: number[] = [];
    const push: number[] = [];
    const plainPush: number[] = [];
    await workspaces.syncMirror(repo);
    const mirror = local.mirrors.pathOf(repo);
    for (let r = 0; r < ROUNDS; r++) {
      commitChange(upstream, `upstream-${r}`);
      git(upstream, 'push', '-q', 'origin', 'main');
      refresh.push(await timed(() => workspaces.syncMirror(repo)));
      plainFetch.push(await timed(() => git(plainMirror, 'fetch', '-q', '--prune', 'origin')));

      const ws = join(root, `ws-${r}`);
      const branch = `abca/bench-${r}/change`;
      let baseCommit = '';
      let sandbox: Awaited<ReturnType<typeof backend.create>> | undefined;
      create.push(
        await timed(async () => {
          ({ baseCommit } = await workspaces.prepare(repo, { dir: ws, branch, limits }));
          sandbox = await backend.create({ taskId: `bench-ws-${process.pid}-${r}`, workspaceDir: ws });
          await workspaces.checkout(repo, sandbox);
        }),
      );
      const plain = join(root, `plain-${r}`);
      plainClone.push(await timed(() => git(root, 'clone', '-q', remote, plain)));
      const ref = join(root, `ref-${r}`);
      referenceClone.push(
        await timed(() =>
          git(
            root,
            'clone',
            '-q',
            '--no-checkout',
            '--reference',
            mirror,
            '--dissociate',
            `file://${mirror}`,
            ref,
          ),
        ),
      );
      const copy = join(root, `copy-${r}`);
      copyClone.push(
        await timed(() =>
          git(root, 'clone', '-q', '--no-checkout', '--local', '--no-hardlinks', mirror, copy),
        ),
      );
      removeBenchFolder(copy, benchConfig.removeList);

      const sb = sandbox as NonNullable<typeof sandbox>;
      await sb.exec(
        `for i in $(seq 0 9); do echo "changed ws-${r}" > d$((i % 30))/f$i.txt; done && git add -A && git commit -qm change`,
      );
      let work: Awaited<ReturnType<typeof workspaces.capture>> | undefined;
      capture.push(
        await timed(async () => {
          work = await workspaces.capture(repo, sb, { branch, baseCommit, message: 'leftovers', limits });
        }),
      );
      await sb.stop();
      const done = work as NonNullable<typeof work>;
      push.push(await timed(() => workspaces.push(repo, { branch, baseCommit, capture: done })));
      git(plain, 'checkout', '-q', '-b', `plain-${r}`);
      commitChange(plain, `plain-${r}`);
      plainPush.push(await timed(() => git(plain, 'push', '-q', 'origin', `plain-${r}`)));
      for (const d of [ws, plain, ref]) removeBenchFolder(d, benchConfig.removeList);
    }
    const files = `${FILES} files`;
    return [
      fromRuns(`syncMirror (create), ${files}`, mirrorCreate, 'ms', {
        name: 'git clone --mirror --no-local',
        values: plainMirrorCreate,
      }),
      fromRuns(`syncMirror (refresh), ${files}`, refresh, 'ms', {
        name: 'git fetch --prune in a mirror',
        values: plainFetch,
      }),
      fromRuns(`workspace: prepare + sandbox + checkout in it, ${files}`, create, 'ms', {
        name: 'git clone (local, hardlinks)',
        values: plainClone,
      }),
      fromRuns('git clone --no-checkout --reference <mirror> --dissociate', referenceClone, 'ms', {
        name: 'git clone --no-checkout --local --no-hardlinks <mirror> (what prepare uses)',
        values: copyClone,
      }),
      fromRuns(
        `capture (bundle in the sandbox, read out, verified), 1 commit of 10 files, ${files}`,
        capture,
        'ms',
        { name: 'git push from the clone', values: plainPush },
      ),
      fromRuns(`push of the capture (fetched into a scratch repo, pushed), ${files}`, push, 'ms', {
        name: 'git push from the clone',
        values: plainPush,
      }),
    ];
  } finally {
    removeBenchFolder(root, benchConfig.removeList);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Workspaces (plain git remote)', results);
  process.exit(0);
}
