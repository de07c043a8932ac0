import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reply } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AbuseWorld,
  expectHealthyWithinBound,
  RSS_BOUND_BYTES,
  startAbuseWorld,
} from './support/abuse-world.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { writeZerosBlob } from './support/zeros-blob.ts';

/**
 * The abuse suite, part 2: what a repository or an agent can do through git — a 2 GB commit, a
 * million files, a tree deeper than PATH_MAX, a repository whose tree is a bomb, hostile submodule
 * URLs — and what an onboarding or a repo's config can try (a credential in a URL, a model of
 * another provider), each through a real task on the whole platform in one process. Each ends with
 * a typed failure or a success, a neighbour task completes, the server stays healthy and its memory
 * stays under {@link RSS_BOUND_BYTES}.
 *
 * Two limits are set lower here than their defaults, so that megabytes prove what gigabytes did
 * (the same check, on the same code path; the defaults are read from the same config keys):
 * `ABCA_WORK_MAX_FILE_BYTES` is 1 MiB, and the agent commits a 2 MiB file instead of a 2 GiB one
 * (git compressing 2 GiB cost the case about 20 of its 25 s); `ABCA_WORKSPACE_MAX_FILES` is 100,000,
 * and the tree bomb (10^8 files) is refused after 100,001 listed entries instead of 1,000,001 (about
 * a tenth of the listing's time); the sandbox then holds at most 200,000 files and folders (twice
 * that), so the agent's million empty files are stopped after about a fifth of them.
 */
const ANTHROPIC_KEY = 'sk-ant-abuse-never-sent-3f9d2c';
/** The largest file a task's commits may add, and the files a checkout may hold, in this file. */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 100_000;
let world: AbuseWorld;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** A bare repository whose one commit names the same subtree ten times per level: 10^8 files from a few KB. */
function treeBombRemote(): string {
  const bare = join(mkdtempSync(join(tmpdir(), 'abca-bomb-')), 'bomb.git');
  git(tmpdir(), 'init', '-q', '--bare', bare);
  const mktree = (lines: string[]) =>
    execFileSync('git', ['mktree'], { cwd: bare, input: `${lines.join('\n')}\n`, encoding: 'utf8' }).trim();
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
    cwd: bare,
    input: 'x\n',
    encoding: 'utf8',
  }).trim();
  let tree = mktree(Array.from({ length: 10 }, (_, i) => `100644 blob ${blob}\tf${i}`));
  for (let level = 0; level < 7; level++)
    tree = mktree(Array.from({ length: 10 }, (_, i) => `040000 tree ${tree}\td${i}`));
  const commit = git(bare, 'commit-tree', tree, '-m', 'bomb');
  git(bare, 'update-ref', 'refs/heads/main', commit);
  git(bare, 'repack', '-adq');
  return bare;
}

/**
 * GREET_OK on top of a commit whose 1 GiB file of zeros packs into a few megabytes: a history that
 * inflates to a gigabyte wherever it is unpacked. The head no longer holds the file. The blob is
 * written as a pack by hand ({@link writeZerosBlob}): `git add` of the file cost the setup about 13
 * CPU-seconds, hashing it, and is not what the case is about.
 */
async function historyBombRemote(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'abca-history-bomb-'));
  const work = join(dir, 'work');
  execFileSync('mkdir', ['-p', work]);
  git(work, 'init', '-q', '-b', 'main');
  const zeros = await writeZerosBlob(join(work, '.git'), 1024 ** 3);
  git(work, 'update-index', '--add', '--cacheinfo', `100644,${zeros},zeros.bin`);
  git(work, 'commit', '-q', '-m', 'A gigabyte of zeros');
  git(work, 'rm', '-q', '--cached', 'zeros.bin');
  for (const [file, text] of Object.entries(GREET_OK)) writeFileSync(join(work, file), text);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'The real code');
  const bare = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  execFileSync('rm', ['-rf', work]);
  return bare;
}

/** GREET_OK plus submodules whose URLs would run commands or pass options if a host git used them. */
function hostileSubmodulesRemote(marker: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-subs-'));
  const work = join(dir, 'work');
  execFileSync('mkdir', ['-p', work]);
  for (const [file, text] of Object.entries(GREET_OK)) writeFileSync(join(work, file), text);
  writeFileSync(
    join(work, '.gitmodules'),
    [
      '[submodule "ext"]',
      '\tpath = ext',
      `\turl = ext::sh -c touch% ${marker}-ext`,
      '[submodule "opt"]',
      '\tpath = opt',
      `\turl = --upload-pack=touch ${marker}-opt`,
      '[submodule "file"]',
      '\tpath = file',
      '\turl = file:///etc',
      '',
    ].join('\n'),
  );
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '-A');
  for (const path of ['ext', 'opt', 'file'])
    git(work, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},${path}`);
  git(work, 'commit', '-q', '-m', 'Hostile submodules');
  const bare = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

const marker = join(tmpdir(), `abca-host-marker-${process.pid}`);
let historyBomb: string;

beforeAll(async () => {
  // The remotes first: making them takes seconds of synchronous git, during which an idle
  // keep-alive connection to the server would be closed under the client.
  historyBomb = await historyBombRemote();
  const remotes: [string, string][] = [
    ['plain', makeRemote(GREET_OK)],
    ['bomb', treeBombRemote()],
    ['history-bomb', historyBomb],
    ['subs', hostileSubmodulesRemote(marker)],
    ['picks-model', makeRemote({ ...GREET_OK, '.abca/config.yaml': 'model: anthropic:claude-sonnet-4-5\n' })],
  ];
  world = await startAbuseWorld({
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ABCA_WORK_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
    ABCA_WORKSPACE_MAX_FILES: String(MAX_FILES),
  });
  for (const [repo, url] of remotes) {
    const res = await world.api.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'git', url } } });
    expect(res.status).toBe(201);
  }
}, 300_000);
afterAll(async () => {
  await world?.close();
});

const commit = (file: string) =>
  reply().tool('bash', { command: `echo ok > ${file} && git add ${file} && git commit -qm ${file}` });
const long = { timeout_ms: 600_000 };

describe('abuse: git, repositories, onboarding', () => {
  it('a commit of a file over the limit (2 MiB, the limit 1 MiB) ends WORK_TOO_LARGE, nothing pushed', async () => {
    const { task, neighbour } = await world.runCase(
      'two-gigabytes',
      'plain',
      [
        reply().tool('bash', {
          command: `truncate -s ${2 * MAX_FILE_BYTES} big.bin && git add big.bin && git commit -qm big`,
          ...long,
        }),
      ],
      { timeoutMs: 300_000 },
    );
    expect(task.status).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'WORK_TOO_LARGE' });
    expect(task.error.message).toContain(`file of ${2 * MAX_FILE_BYTES} bytes`);
    expect(task.error.message).toContain(`files over ${MAX_FILE_BYTES} bytes`);
    expect(task.pr_url).toBeNull();
    expect(neighbour.status).toBe('COMPLETED');
  }, 360_000);

  it('a million empty files: the sandbox stops the command at its file limit, the work is refused WORK_TOO_LARGE', async () => {
    const { task, neighbour, events } = await world.runCase(
      'million-files',
      'plain',
      [
        reply().tool('bash', {
          command:
            'for d in $(seq 1000); do mkdir m$d && (cd m$d && seq 1000 | xargs touch) || exit 1; done; ls | wc -l',
          ...long,
        }),
      ],
      { timeoutMs: 600_000 },
    );
    // Empty files use no bytes, but each takes one of the host file system's inodes: the sandbox
    // holds at most twice what a checkout may (200,000 here), and the command is killed past it.
    expect(
      events.some(
        (e) =>
          e.type === 'sandbox.warning' &&
          new RegExp(`files and folders, over its limit of ${2 * MAX_FILES}`).test(e.data.message),
      ),
    ).toBe(true);
    // What is left is more than a checkout may hold: no later task could check the branch out.
    expect(task.status).toBe('FAILED');
    expect(task.error.code).toBe('WORK_TOO_LARGE');
    expect(task.pr_url).toBeNull();
    expect(neighbour.status).toBe('COMPLETED');
  }, 660_000);

  it('a directory tree deeper than PATH_MAX ends typed, and its workspace is removed afterwards', async () => {
    const { task, neighbour } = await world.runCase('deep-tree', 'plain', [
      reply().tool('bash', {
        // 100 levels, then 30 of 200-character names: a path of about 6,200 characters.
        command:
          'for i in $(seq 100); do mkdir d && cd d || exit 1; done; n=$(printf "%0200d" 0); for i in $(seq 30); do mkdir $n && cd $n || exit 1; done; echo deep > leaf.txt; echo made',
        ...long,
      }),
      commit('beside-deep.md'),
    ]);
    expect(['COMPLETED', 'FAILED']).toContain(task.status);
    if (task.status === 'FAILED') expect(task.error.code).toMatch(/^(WORKSPACE_CORRUPT|WORK_TOO_LARGE)$/);
    expect(neighbour.status).toBe('COMPLETED');
    // Retention 0: the janitor removes the deep tree (a removal by path would fail on it).
    const dir = join(world.home, 'workspaces', task.task_id.toLowerCase());
    const deadline = Date.now() + 60_000;
    while (existsSync(dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(existsSync(dir)).toBe(false);
  }, 180_000);

  it('a repository whose tree is a bomb ends REPO_TOO_LARGE in pre-flight, before the model is called', async () => {
    const before = world.model.requests.length;
    const { task, neighbour } = await world.runCase('bomb', 'bomb', [commit('never.md')], {
      neighbour: false,
    });
    expect(task.status).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'REPO_TOO_LARGE' });
    expect(task.error.message).toContain(`more than ${MAX_FILES} files`);
    expect(neighbour).toBeUndefined();
    expect(
      world.model.requests.slice(before).some((r) => JSON.stringify(r.body).includes('[case:bomb]')),
    ).toBe(false);
  }, 120_000);

  it('a repository whose history inflates to a gigabyte is mirrored and worked on like any other', async () => {
    // The remote's history holds the gigabyte (the fixture writes its blob by hand).
    expect(git(historyBomb, 'cat-file', '-s', 'main~1:zeros.bin')).toBe(String(1024 ** 3));
    const { task, neighbour } = await world.runCase('history-bomb', 'history-bomb', [commit('on-top.md')]);
    expect(task.status).toBe('COMPLETED');
    expect(neighbour.status).toBe('COMPLETED');
  }, 180_000);

  it('submodules with hostile URLs run nothing on the host, whatever the agent does with them', async () => {
    const { task } = await world.runCase('submodules', 'subs', [
      reply().tool('bash', { command: 'git submodule update --init 2>&1 | tail -3; true' }),
      commit('after-submodules.md'),
    ]);
    // The tree of the agent's commit still holds the repo's hostile .gitmodules: the host's strict
    // check of the capture (index-pack --strict) refuses it, as a remote checking its pushes would.
    expect(task.status, JSON.stringify(task.error)).toBe('FAILED');
    expect(task.error).toMatchObject({
      code: 'WORKSPACE_CORRUPT',
      message: expect.stringMatching(/gitmodulesUrl/),
    });
    for (const suffix of ['-ext', '-opt']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
  });

  it("a repo's config file asking for another provider changes nothing, and that provider's key goes nowhere", async () => {
    const before = world.model.requests.length;
    const { task, events } = await world.runCase('picks-model', 'picks-model', [commit('x.md')]);
    expect(task.status).toBe('COMPLETED');
    expect(
      events.some((e) => e.type === 'hydration.warning' && /model is ignored/.test(e.data.message)),
    ).toBe(true);
    const mine = world.model.requests
      .slice(before)
      .filter((r) => JSON.stringify(r.body).includes('[case:picks-model]'));
    expect(mine.length).toBeGreaterThan(0);
    for (const r of mine) {
      expect(r.path).toMatch(/chat\/completions/);
      expect(JSON.stringify(r.headers)).not.toContain(ANTHROPIC_KEY);
    }
  });

  it('a credential in a git URL is never answered back, to admins or members', async () => {
    const token = 'glpat-abuse-9c1f7e2a5b3d4c6e';
    const created = await world.api.request('POST', '/v1/repos', {
      body: {
        repo: 'with-creds',
        forge: { kind: 'git', url: `https://ci:${token}@git.example.com/r.git` },
        verify: false, // no such host here
      },
    });
    expect(created.status).toBe(201);
    const member = await world.api.userKey('member-1');
    const answers = [
      created,
      await world.api.request('GET', '/v1/repos/with-creds'),
      await world.api.request('GET', '/v1/repos'),
      await world.api.request('GET', '/v1/repos/with-creds', { key: member }),
      await world.api.request('GET', '/v1/repos', { key: member }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(200 === a.status ? 200 : 201);
      expect(JSON.stringify(a.body)).not.toContain(token);
    }
  });

  it('/metrics answers only with a key', async () => {
    const open = await fetch(`${world.server.url}/metrics`);
    expect(open.status).toBe(401);
    const keyed = await world.api.request('GET', '/metrics');
    expect(keyed.status).toBe(200);
  });

  it('kept the server healthy, with its RSS under the bound all along', () =>
    expectHealthyWithinBound(world, 'git'));
});
