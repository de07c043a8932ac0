/**
 * The plain-git forge on a synthetic repo of ~3,000 files: mirror creation and refresh,
 * workspace creation and push, each next to the plain git command doing the same job on the
 * same repo in the same run (`git clone --mirror`, `git fetch`, `git clone`, `git push`).
 * Also times the two clone strategies the workspace could use, to justify the one it does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitForge } from '../packages/server/src/adapters/forge/git/forge.ts';
import type { RepoRef } from '../packages/server/src/ports/forge.ts';
import type { Queryable } from '../packages/server/src/storage/db.ts';
import { type BenchResult, printTable, withBaseline } from './bench-result.ts';
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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

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
    const forge = createGitForge({ db: noDb, cacheDir: join(root, 'cache') });
    const repo: RepoRef = { repo: 'bench/app', defaultBranch: 'main', forge: { kind: 'git', url: remote } };

    const mirrorCreate = await timed(() => forge.syncMirror(repo));
    const plainMirror = join(root, 'plain-mirror.git');
    const plainMirrorCreate = await timed(() =>
      git(root, 'clone', '-q', '--mirror', '--no-local', remote, plainMirror),
    );

    const refresh: number[] = [];
    const plainFetch: number[] = [];
    const create: number[] = [];
    const plainClone: number[] = [];
    const referenceClone: number[] = [];
    const copyClone: number[] = [];
    const push: number[] = [];
    const plainPush: number[] = [];
    const { path: mirror } = await forge.syncMirror(repo);
    for (let r = 0; r < ROUNDS; r++) {
      commitChange(upstream, `upstream-${r}`);
      git(upstream, 'push', '-q', 'origin', 'main');
      refresh.push(await timed(() => forge.syncMirror(repo)));
      plainFetch.push(await timed(() => git(plainMirror, 'fetch', '-q', '--prune', 'origin')));

      const ws = join(root, `ws-${r}`);
      const branch = `abca/bench-${r}/change`;
      create.push(await timed(() => forge.createWorkspace(repo, { dir: ws, branch })));
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
      rmSync(copy, { recursive: true, force: true });

      commitChange(ws, `ws-${r}`);
      push.push(await timed(() => forge.pushBranch(repo, { dir: ws, branch })));
      git(plain, 'checkout', '-q', '-b', `plain-${r}`);
      commitChange(plain, `plain-${r}`);
      plainPush.push(await timed(() => git(plain, 'push', '-q', 'origin', `plain-${r}`)));
      for (const d of [ws, plain, ref]) rmSync(d, { recursive: true, force: true });
    }
    const files = `${FILES} files, median of ${ROUNDS}`;
    return [
      withBaseline(
        `syncMirror (create), ${FILES} files`,
        mirrorCreate,
        'ms',
        'git clone --mirror --no-local',
        plainMirrorCreate,
      ),
      withBaseline(
        `syncMirror (refresh), ${files}`,
        median(refresh),
        'ms',
        'git fetch --prune in a mirror',
        median(plainFetch),
      ),
      withBaseline(
        `createWorkspace, ${files}`,
        median(create),
        'ms',
        'git clone (local, hardlinks)',
        median(plainClone),
      ),
      withBaseline(
        'git clone --no-checkout --reference <mirror> --dissociate',
        median(referenceClone),
        'ms',
        'git clone --no-checkout --local --no-hardlinks <mirror> (what createWorkspace uses)',
        median(copyClone),
      ),
      withBaseline(
        `pushBranch, 1 commit of 10 files, ${files}`,
        median(push),
        'ms',
        'git push from the clone',
        median(plainPush),
      ),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('Forge (plain git)', results);
  process.exit(0);
}
