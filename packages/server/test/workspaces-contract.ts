import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend, type Sandbox } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError, type RepoRef } from '../src/ports/forge.ts';
import type { WorkCapture, WorkspaceLimits, Workspaces } from '../src/ports/workspaces.ts';
import { filesUnder, SEED_README, thrown } from './forge-contract.ts';

/** What one forge's remote gives the shared Workspaces contract suite. */
export interface WorkspacesContractEnv {
  workspaces: Workspaces;
  /** An existing repo whose default branch holds the seed files (forge-contract.ts). */
  repo: RepoRef;
  /** A repo that does not exist on the remote (or that the credentials cannot see). */
  missingRepo: RepoRef;
  remote: {
    branchHead(branch: string): Promise<string | undefined>;
    /** Adds a commit on the default branch of the remote, as another developer would. */
    commitUpstream(file: string, content: string): Promise<string>;
  };
  /** Every credential the remote needs; none may show up in a workspace, a capture or an error. */
  secrets: string[];
  /** The host cache folder (mirrors, scratch repositories). */
  cacheDir: string;
  cleanup(): Promise<void>;
}

const LIMITS: WorkspaceLimits = {
  maxFiles: 10_000,
  maxCheckoutBytes: 100 * 1024 * 1024,
  maxCaptureBytes: 8 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
};

/**
 * The contract of the Workspaces port, run against every forge's remote (plain git, GitHub, the
 * fake): mirrors, fresh workspace folders checked out inside a real bubblewrap sandbox, the work
 * taken out as a verified bundle, restored elsewhere, pushed — and the host never running git with
 * anything the sandbox wrote, whatever the agent plants in `.git`.
 */
export function runWorkspacesContract(name: string, setup: () => Promise<WorkspacesContractEnv>): void {
  describe(`workspaces contract: ${name}`, () => {
    let env: WorkspacesContractEnv;
    let work: string;
    let markers: string;
    const backend = createBubblewrapBackend();
    const sandboxes: Sandbox[] = [];
    let n = 0;
    beforeAll(async () => {
      env = await setup();
      work = mkdtempSync(join(tmpdir(), 'abca-ws-contract-'));
      markers = join(work, 'markers');
      mkdirSync(markers);
    });
    afterAll(async () => {
      await Promise.all(sandboxes.map((s) => s.stop()));
      await env?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    const sandboxFor = async (dir: string) => {
      const sb = await backend.create({ taskId: `wsc-${process.pid}-${n++}`, workspaceDir: dir });
      sandboxes.push(sb);
      return sb;
    };
    /** prepare + a sandbox + checkout: the workspace as pre-flight makes it. */
    const open = async (
      dir: string,
      branch: string,
      from?: { baseCommit: string; bundle: Buffer | null },
    ) => {
      const made = await env.workspaces.prepare(env.repo, {
        dir,
        branch,
        limits: LIMITS,
        ...(from ? { from } : {}),
      });
      const sandbox = await sandboxFor(dir);
      await env.workspaces.checkout(env.repo, sandbox);
      return { ...made, sandbox };
    };
    const run = async (sandbox: Sandbox, command: string) => {
      const res = await sandbox.exec(command, { timeoutMs: 60_000 });
      expect(res.exitCode, `${command}\n${res.stderr}`).toBe(0);
      return res.stdout.trim();
    };
    const capture = (sandbox: Sandbox, branch: string, baseCommit: string, limits = LIMITS) =>
      env.workspaces.capture(env.repo, sandbox, { branch, baseCommit, message: 'Leftovers', limits });
    const noSecretsIn = (text: string) => {
      for (const s of env.secrets) expect(text).not.toContain(s);
    };

    it('mirrors, then a refresh sees a new upstream commit', async () => {
      const first = await env.workspaces.syncMirror(env.repo);
      const added = await env.remote.commitUpstream('UPSTREAM.md', 'new upstream work\n');
      // Within the freshness window the first refresh may answer: a caller that knows of newer
      // state says so, by time or by commit.
      const second = await env.workspaces.syncMirror(env.repo, { freshAfter: Date.now() });
      expect(second.defaultBranchHead).toBe(added);
      const again = await env.remote.commitUpstream('UPSTREAM.md', 'newer upstream work\n');
      const third = await env.workspaces.syncMirror(env.repo, { want: { [env.repo.defaultBranch]: again } });
      expect(third.defaultBranchHead).toBe(again);
      expect(second.defaultBranchHead).not.toBe(first.defaultBranchHead);
      expect(await env.workspaces.remoteHead(env.repo, env.repo.defaultBranch)).toBe(again);
      expect(await env.workspaces.remoteHead(env.repo, 'no-such-branch')).toBeUndefined();
    });

    it('prepares a fresh folder holding only .git, then checks the files out inside the sandbox', async () => {
      const dir = join(work, 'ws-create');
      const branch = 'abca/task-1/create';
      const { baseCommit, head } = await env.workspaces.prepare(env.repo, { dir, branch, limits: LIMITS });
      expect(head).toBe(baseCommit);
      expect(baseCommit).toBe((await env.workspaces.syncMirror(env.repo)).defaultBranchHead);
      expect(readdirSync(dir)).toEqual(['.git']);
      expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim()).toBe(`ref: refs/heads/${branch}`);
      expect(existsSync(join(dir, '.git', 'objects', 'info', 'alternates'))).toBe(false);
      for (const file of filesUnder(dir)) {
        const text = readFileSync(file).toString('latin1');
        noSecretsIn(text);
        expect(text, file).not.toContain(env.cacheDir);
      }
      const sandbox = await sandboxFor(dir);
      await env.workspaces.checkout(env.repo, sandbox);
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(SEED_README);
      // Written by the sandbox's user, not by the host.
      expect(statSync(join(dir, 'README.md')).uid).toBe(1000);
      expect(await run(sandbox, 'git status --porcelain && git rev-parse HEAD')).toBe(baseCommit);
      expect(await run(sandbox, 'git config user.name')).toBe('ABCA');
      // No automatic upkeep after the agent's commits (a process each, for a workspace of one task).
      expect(await run(sandbox, 'git config maintenance.auto && git config gc.auto')).toBe('false\n0');
    });

    it('replaces whatever a sandbox left in the folder, never running git in it', async () => {
      const dir = join(work, 'ws-replace');
      const branch = 'abca/task-2/replace';
      const { sandbox } = await open(dir, branch);
      await run(sandbox, `echo left > LEFT.md && git config core.fsmonitor '${join(markers, 'fsmonitor')}'`);
      // (The workspace has no hooks folder of its own: the agent makes it.)
      mkdirSync(join(dir, '.git', 'hooks'), { recursive: true });
      writeFileSync(
        join(dir, '.git', 'hooks', 'post-checkout'),
        `#!/bin/sh\ntouch '${join(markers, 'hook')}'\n`,
      );
      chmodSync(join(dir, '.git', 'hooks', 'post-checkout'), 0o755);
      await sandbox.stop();
      await env.workspaces.prepare(env.repo, { dir, branch, limits: LIMITS });
      expect(readdirSync(dir)).toEqual(['.git']);
      expect(readdirSync(markers)).toEqual([]);
    });

    it('serves concurrent refreshes and preparations of one repo', async () => {
      const dirs = [0, 1, 2].map((i) => join(work, `ws-conc-${i}`));
      const results = await Promise.all([
        env.workspaces.syncMirror(env.repo).then((r) => r.defaultBranchHead),
        ...dirs.map((dir, i) =>
          env.workspaces
            .prepare(env.repo, { dir, branch: `abca/conc-${i}/x`, limits: LIMITS })
            .then((r) => r.baseCommit),
        ),
        env.workspaces.syncMirror(env.repo).then((r) => r.defaultBranchHead),
      ]);
      expect(new Set(results).size).toBe(1);
    });

    it('reads files of the default branch in one go, each cut at its limit, leaving out what is not a file', async () => {
      const read = await env.workspaces.readFiles(env.repo, [
        'README.md',
        'src/index.ts',
        'NOPE.md',
        'src',
        '../etc/passwd',
        '--output=/tmp/x',
      ]);
      expect([...read.entries()]).toEqual([
        ['README.md', { text: SEED_README, truncated: false }],
        ['src/index.ts', { text: 'export const answer = 42;\n', truncated: false }],
      ]);
      expect(await env.workspaces.readFiles(env.repo, ['README.md'], { maxBytes: 6 })).toEqual(
        new Map([['README.md', { text: SEED_README.slice(0, 6), truncated: true }]]),
      );
      expect((await env.workspaces.readFiles(env.repo, [])).size).toBe(0);
    });

    it('reads files at a given commit or branch, and nothing at a ref the mirror does not hold', async () => {
      const before = (await env.workspaces.syncMirror(env.repo)).defaultBranchHead;
      const added = await env.remote.commitUpstream('AT-REF.md', 'only at the new head\n');
      await env.workspaces.syncMirror(env.repo, { freshAfter: Date.now() });
      expect((await env.workspaces.readFiles(env.repo, ['AT-REF.md'], { ref: before })).size).toBe(0);
      expect(await env.workspaces.readFiles(env.repo, ['AT-REF.md'], { ref: added })).toEqual(
        new Map([['AT-REF.md', { text: 'only at the new head\n', truncated: false }]]),
      );
      expect(
        (await env.workspaces.readFiles(env.repo, ['README.md'], { ref: before })).get('README.md')?.text,
      ).toBe(SEED_README);
      for (const ref of ['0'.repeat(40), 'no-such-branch', '--output=/tmp/x', 'HEAD..main', '/etc'])
        expect((await env.workspaces.readFiles(env.repo, ['README.md'], { ref })).size, ref).toBe(0);
    });

    it('takes the work out (leftovers committed in the sandbox) and pushes it; pushing again is a no-op', async () => {
      const dir = join(work, 'ws-push');
      const branch = 'abca/task-3/push';
      const { sandbox, baseCommit } = await open(dir, branch);
      await run(sandbox, 'echo change > CHANGE.md && git add -A && git commit -q -m "Agent change"');
      await run(sandbox, 'echo more > LEFTOVER.md');
      const captured = await capture(sandbox, branch, baseCommit);
      expect(captured.commits.map((c) => c.subject)).toEqual(['Agent change', 'Leftovers']);
      expect(captured.head).toBe(await run(sandbox, 'git rev-parse HEAD'));
      expect(captured.bundle?.length).toBeGreaterThan(0);
      expect(await env.workspaces.remoteHead(env.repo, branch)).toBeUndefined();
      expect(await env.workspaces.push(env.repo, { branch, baseCommit, capture: captured })).toEqual({
        commit: captured.head,
      });
      expect(await env.remote.branchHead(branch)).toBe(captured.head);
      expect(await env.workspaces.remoteHead(env.repo, branch)).toBe(captured.head);
      expect((await env.workspaces.push(env.repo, { branch, baseCommit, capture: captured })).commit).toBe(
        captured.head,
      );
      // Unchanged since: the earlier capture as it is; one more change: a new capture.
      const args = { branch, baseCommit, message: 'Leftovers', limits: LIMITS };
      expect(await env.workspaces.capture(env.repo, sandbox, { ...args, previous: captured })).toBe(captured);
      await run(sandbox, 'echo later > LATER.md');
      const later = await env.workspaces.capture(env.repo, sandbox, { ...args, previous: captured });
      expect(later.commits.map((c) => c.subject)).toEqual(['Agent change', 'Leftovers', 'Leftovers']);
      // Nothing new: no bundle, no commits.
      const { sandbox: clean, baseCommit: base2 } = await open(join(work, 'ws-nothing'), 'abca/task-3b/none');
      expect(await capture(clean, 'abca/task-3b/none', base2)).toEqual({
        head: base2,
        bundle: null,
        commits: [],
      });
    });

    it('never runs what the agent planted in .git on the host, and an include of a FIFO does not hang', async () => {
      const dir = join(work, 'ws-evil');
      const branch = 'abca/task-4/evil';
      const { sandbox, baseCommit } = await open(dir, branch);
      await run(sandbox, 'echo innocent > EVIL.md && git add -A && git commit -q -m "Agent change"');
      const hookScript = (tag: string) => `#!/bin/sh\ntouch '${join(markers, tag)}'\n`;
      const hooks = join(dir, '.git', 'evil-hooks');
      mkdirSync(hooks, { recursive: true });
      mkdirSync(join(dir, '.git', 'hooks'), { recursive: true });
      for (const hook of ['pre-push', 'reference-transaction', 'pre-commit', 'post-commit', 'fsmonitor']) {
        for (const where of [hooks, join(dir, '.git', 'hooks')]) {
          writeFileSync(join(where, hook), hookScript(hook));
          chmodSync(join(where, hook), 0o755);
        }
      }
      // A host file the host must never open on the agent's say-so, and a FIFO that blocks a reader.
      const hostSecret = join(work, 'host-secret.txt');
      writeFileSync(hostSecret, 'HOST-ONLY-CONTENT\n');
      await run(
        sandbox,
        [
          'mkfifo .git/blocker',
          `git config core.hooksPath '${hooks}'`,
          `git config core.fsmonitor '${join(hooks, 'fsmonitor')}'`,
          `git config core.sshCommand '${join(hooks, 'pre-push')}'`,
          `git config uploadpack.packObjectsHook '${join(hooks, 'pre-push')}'`,
          `git config core.alternateRefsCommand '${join(hooks, 'pre-push')}'`,
          'git config filter.evil.clean "touch /workspace/filtered; cat"',
          'echo "*.md filter=evil" > .gitattributes',
          'echo leftover > MORE.md',
          // Written last and by hand: any git reading this config from now on opens them.
          `printf '[include]\n\tpath = ${hostSecret}\n' >> .git/config`,
          `printf '[includeIf "gitdir:${dir}/"]\n\tpath = /workspace/.git/blocker\n' >> .git/config`,
          `printf '[includeIf "gitdir:/workspace/"]\n\tpath = /workspace/.git/blocker\n' >> .git/config`,
        ].join(' && '),
      );
      const started = performance.now();
      const captured = await capture(sandbox, branch, baseCommit);
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(captured.commits.map((c) => c.subject)).toEqual(['Agent change', 'Leftovers']);
      // The filter defined in the planted config did not run (the config was restored first).
      expect(existsSync(join(dir, 'filtered'))).toBe(false);
      await env.workspaces.push(env.repo, { branch, baseCommit, capture: captured });
      expect(readdirSync(markers)).toEqual([]);
      expect(await env.remote.branchHead(branch)).toBe(captured.head);
    });

    it('restores .git/config whatever the agent made of it: read-only, a link, a folder, a FIFO', async () => {
      const dir = join(work, 'ws-config');
      const branch = 'abca/task-4/config';
      const { sandbox, baseCommit } = await open(dir, branch);
      // Each is left by the agent with a filter that would mark its run, had the config been read.
      const filter =
        'printf \'[filter "evil"]\\n\\tclean = touch /workspace/filtered; cat\\n\' > /workspace/evil.cfg';
      const sabotage = [
        `${filter} && cp /workspace/evil.cfg .git/config && chmod 444 .git/config`,
        `${filter} && rm .git/config && ln -s /workspace/evil.cfg .git/config`,
        'rm -f .git/config && mkdir .git/config',
        'rm -f .git/config && mkfifo .git/config',
      ];
      for (const [i, how] of sabotage.entries()) {
        await run(sandbox, `echo "*.md filter=evil" > .gitattributes && echo ${i} > CONFIG-${i}.md`);
        await run(sandbox, how);
        const captured = await capture(sandbox, branch, baseCommit);
        expect(captured.commits.at(-1)?.subject, how).toBe('Leftovers');
        expect(existsSync(join(dir, 'filtered')), how).toBe(false);
        expect(lstatSync(join(dir, '.git', 'config')).isFile(), how).toBe(true);
      }
      // The link was replaced, not written through.
      expect(readFileSync(join(dir, 'evil.cfg'), 'utf8')).toContain('filter "evil"');
    });

    it('refuses work that does not descend from the base, or a .git the agent replaced', async () => {
      const branch = 'abca/task-5/orphan';
      const { sandbox, baseCommit } = await open(join(work, 'ws-orphan'), branch);
      await run(
        sandbox,
        `git checkout -q --orphan tmp && git rm -rfq . && echo x > X && git add X && git commit -q -m orphan && git branch -f '${branch}' tmp`,
      );
      expect(await thrown(capture(sandbox, branch, baseCommit))).toMatchObject({
        name: 'WorkspaceError',
        code: 'WORKSPACE_CORRUPT',
      });
      const other = 'abca/task-5/nogit';
      const second = await open(join(work, 'ws-nogit'), other);
      await run(second.sandbox, 'rm -rf .git && ln -s /tmp .git');
      expect(await thrown(capture(second.sandbox, other, second.baseCommit))).toMatchObject({
        code: 'WORKSPACE_CORRUPT',
      });
    });

    it('refuses work over the capture limit or with a file over the file limit', async () => {
      const branch = 'abca/task-6/big';
      const { sandbox, baseCommit } = await open(join(work, 'ws-big'), branch);
      await run(sandbox, 'head -c 3000000 /dev/urandom > big.bin && git add -A && git commit -q -m big');
      const tooBig = await thrown(
        capture(sandbox, branch, baseCommit, {
          ...LIMITS,
          maxCaptureBytes: 1_000_000,
          maxFileBytes: 4_000_000,
        }),
      );
      expect(tooBig).toMatchObject({ code: 'WORK_TOO_LARGE' });
      expect((tooBig as Error).message).toMatch(/over the 1000000-byte limit/);
      const bigFile = await thrown(
        capture(sandbox, branch, baseCommit, { ...LIMITS, maxFileBytes: 2_000_000 }),
      );
      expect(bigFile).toMatchObject({ code: 'WORK_TOO_LARGE' });
      expect((bigFile as Error).message).toMatch(/file of 3000000 bytes/);
    });

    it('refuses to prepare a tree over the limits before checking anything out', async () => {
      const dir = join(work, 'ws-huge');
      const err = await thrown(
        env.workspaces.prepare(env.repo, {
          dir,
          branch: 'abca/task-7/huge',
          limits: { ...LIMITS, maxFiles: 1 },
        }),
      );
      expect(err).toMatchObject({ name: 'WorkspaceError', code: 'REPO_TOO_LARGE' });
      expect(existsSync(join(dir, '.git'))).toBe(false);
    });

    it('restores the work in a new folder (a task moving to another machine), and pushes from there', async () => {
      const branch = 'abca/task-9/snap';
      const { sandbox, baseCommit } = await open(join(work, 'ws-snap'), branch);
      await run(sandbox, 'echo snapshot > SNAP.md && git add -A && git commit -q -m "Snapshot change"');
      const captured: WorkCapture = await capture(sandbox, branch, baseCommit);
      // Upstream moves on meanwhile: the restored branch still sits on the task's base.
      await env.remote.commitUpstream('UPSTREAM-9.md', 'moved on\n');
      await env.workspaces.syncMirror(env.repo);
      const moved = join(work, 'ws-snap-moved');
      const restored = await open(moved, branch, { baseCommit, bundle: captured.bundle });
      expect(restored.head).toBe(captured.head);
      expect(readFileSync(join(moved, 'SNAP.md'), 'utf8')).toBe('snapshot\n');
      expect(
        await run(
          restored.sandbox,
          `git rev-parse --abbrev-ref HEAD && git rev-list --count ${baseCommit}..HEAD`,
        ),
      ).toBe(`${branch}\n1`);
      const again = await capture(restored.sandbox, branch, baseCommit);
      expect(again.head).toBe(captured.head);
      expect((await env.workspaces.push(env.repo, { branch, baseCommit, capture: again })).commit).toBe(
        captured.head,
      );
      // No commits of its own: the branch is put back at the task's base, not the new upstream head.
      const empty = await open(join(work, 'ws-snap-empty'), 'abca/task-9/none', { baseCommit, bundle: null });
      expect(empty.head).toBe(baseCommit);
      expect(await run(empty.sandbox, 'git rev-parse HEAD')).toBe(baseCommit);
      for (const file of filesUnder(moved)) noSecretsIn(readFileSync(file, 'latin1'));
    });

    it('throws typed errors that carry no secret for a missing repo', async () => {
      for (const call of [
        () => env.workspaces.syncMirror(env.missingRepo),
        () =>
          env.workspaces.prepare(env.missingRepo, {
            dir: join(work, 'ws-missing'),
            branch: 'abca/t/x',
            limits: LIMITS,
          }),
        () => env.workspaces.remoteHead(env.missingRepo, 'main'),
      ]) {
        const err = await thrown(call());
        expect(err).toBeInstanceOf(ForgeError);
        expect((err as ForgeError).code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');
        noSecretsIn(`${(err as Error).message}\n${(err as Error).stack ?? ''}`);
      }
    });

    it('keeps symlinks the agent made inside the workspace as links, never following them on the host', async () => {
      const branch = 'abca/task-10/links';
      const dir = join(work, 'ws-links');
      const { sandbox, baseCommit } = await open(dir, branch);
      await run(sandbox, 'ln -s /etc/passwd passwd-link && git add -A && git commit -q -m link');
      symlinkSync('/etc/shadow', join(dir, 'host-made-link'));
      const captured = await capture(sandbox, branch, baseCommit);
      expect(captured.commits).toHaveLength(2);
      await env.workspaces.push(env.repo, { branch, baseCommit, capture: captured });
      expect(await env.remote.branchHead(branch)).toBe(captured.head);
    });
  });
}
