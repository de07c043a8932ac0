import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Forge, ForgeError, type RepoRef } from '../src/ports/forge.ts';

/** What one forge adapter gives the shared contract suite. */
export interface ForgeContractEnv {
  forge: Forge;
  /** An existing repo whose default branch holds the files of {@link writeSeed}. */
  repo: RepoRef;
  /** A repo that does not exist on the remote (or that the credentials cannot see). */
  missingRepo: RepoRef;
  remote: {
    /** Head of a branch on the remote, read around the forge. */
    branchHead(branch: string): Promise<string | undefined>;
    /** Adds a commit on the default branch of the remote, as another developer would. */
    commitUpstream(file: string, content: string): Promise<string>;
    /** Bodies of the comments on a PR (or change request), oldest first, read around the forge. */
    comments(number: number): Promise<string[]>;
  };
  /** Every credential the forge holds; none may show up in a workspace or an error. */
  secrets: string[];
  /** The forge's cache folder (mirrors live there). */
  cacheDir: string;
  cleanup(): Promise<void>;
}

/** Plain git for the test's own moves (the "agent", the "other developer"), with no user config. */
export function sh(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      ...env,
    },
  }).trim();
}

export const SEED_README = '# Seed repo\n\nHello from the seed.\n';

/** Writes the seed files (no repository) into `dir`. */
export function writeSeedFiles(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'README.md'), SEED_README);
  writeFileSync(join(dir, 'src', 'index.ts'), 'export const answer = 42;\n');
}

/** Writes the seed files into a fresh non-bare repo at `dir` with one commit on `branch`. */
export function writeSeed(dir: string, branch = 'main'): string {
  writeSeedFiles(dir);
  sh(dir, ['init', '-q', '-b', branch]);
  sh(dir, ['add', '-A']);
  sh(dir, ['commit', '-q', '-m', 'Seed']);
  return sh(dir, ['rev-parse', 'HEAD']);
}

/** Every file under `dir` (including `.git`), as bytes. */
function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(p);
    else if (e.isFile()) yield p;
  }
}

async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * The contract every forge adapter runs: mirrors, workspaces, pushes from an untrusted
 * workspace, pull requests without duplicates, pre-flight, and credentials never leaking.
 */
export function runForgeContract(name: string, setup: () => Promise<ForgeContractEnv>): void {
  describe(`forge contract: ${name}`, () => {
    let env: ForgeContractEnv;
    let work: string;
    beforeAll(async () => {
      env = await setup();
      work = mkdtempSync(join(tmpdir(), 'abca-forge-ws-'));
    });
    afterAll(async () => {
      await env?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** A workspace on `branch` with one commit adding `file`, pushed through the forge. */
    const pushChange = async (workspace: string, branch: string, file: string) => {
      const dir = join(work, workspace);
      await env.forge.createWorkspace(env.repo, { dir, branch });
      writeFileSync(join(dir, file), `${workspace} change\n`);
      sh(dir, ['add', '-A']);
      sh(dir, ['commit', '-q', '-m', `Add ${file}`]);
      await env.forge.pushBranch(env.repo, { dir, branch });
    };

    const noSecretsIn = (text: string) => {
      for (const s of env.secrets) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(Buffer.from(s).toString('base64').slice(0, 16));
      }
    };

    it('mirrors, then a refresh sees a new upstream commit', async () => {
      const first = await env.forge.syncMirror(env.repo);
      expect(existsSync(first.path)).toBe(true);
      expect(first.path.startsWith(env.cacheDir)).toBe(true);
      const added = await env.remote.commitUpstream('UPSTREAM.md', 'new upstream work\n');
      const second = await env.forge.syncMirror(env.repo);
      expect(second.path).toBe(first.path);
      expect(second.defaultBranchHead).toBe(added);
      expect(second.defaultBranchHead).not.toBe(first.defaultBranchHead);
    });

    it('creates a workspace on the new branch, with no credentials and no link to the mirror', async () => {
      const dir = join(work, 'ws-create');
      const branch = 'abca/task-1/create';
      const started = performance.now();
      const { baseCommit } = await env.forge.createWorkspace(env.repo, { dir, branch });
      expect(performance.now() - started).toBeLessThan(10_000);
      const { defaultBranchHead, path: mirror } = await env.forge.syncMirror(env.repo);
      expect(baseCommit).toBe(defaultBranchHead);
      expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim()).toBe(`ref: refs/heads/${branch}`);
      expect(sh(dir, ['rev-parse', 'HEAD'])).toBe(baseCommit);
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(SEED_README);
      expect(sh(dir, ['config', 'user.name'])).toBe('ABCA');
      expect(existsSync(join(dir, '.git', 'objects', 'info', 'alternates'))).toBe(false);
      for (const file of filesUnder(dir)) {
        const text = readFileSync(file).toString('latin1');
        noSecretsIn(text);
        expect(text, file).not.toContain(mirror);
      }
      // The clone stands alone: it works with the mirror gone from view.
      expect(sh(dir, ['fsck', '--no-dangling', '--connectivity-only'])).toBe('');
    });

    it('keeps an existing workspace when called again', async () => {
      const dir = join(work, 'ws-idem');
      const branch = 'abca/task-2/idem';
      const first = await env.forge.createWorkspace(env.repo, { dir, branch });
      writeFileSync(join(dir, 'agent-notes.txt'), 'work in progress\n');
      const again = await env.forge.createWorkspace(env.repo, { dir, branch });
      expect(again.baseCommit).toBe(first.baseCommit);
      expect(readFileSync(join(dir, 'agent-notes.txt'), 'utf8')).toBe('work in progress\n');
    });

    it('serves concurrent refreshes and workspace creations of one repo', async () => {
      const dirs = [0, 1, 2].map((i) => join(work, `ws-conc-${i}`));
      const results = await Promise.all([
        env.forge.syncMirror(env.repo),
        ...dirs.map((dir, i) => env.forge.createWorkspace(env.repo, { dir, branch: `abca/conc-${i}/x` })),
        env.forge.syncMirror(env.repo),
      ]);
      const heads = new Set(results.map((r) => ('baseCommit' in r ? r.baseCommit : r.defaultBranchHead)));
      expect(heads.size).toBe(1);
      expect(existsSync(`${results[0] && 'path' in results[0] ? results[0].path : ''}.lock`)).toBe(false);
    });

    it('reads a file of the default branch, undefined when absent', async () => {
      expect(await env.forge.readFile(env.repo, 'README.md')).toBe(SEED_README);
      expect(await env.forge.readFile(env.repo, 'src/index.ts')).toBe('export const answer = 42;\n');
      expect(await env.forge.readFile(env.repo, 'NOPE.md')).toBeUndefined();
      expect(await env.forge.readFile(env.repo, 'src')).toBeUndefined();
    });

    it('pushes a branch from the workspace; pushing again is a no-op', async () => {
      const dir = join(work, 'ws-push');
      const branch = 'abca/task-3/push';
      await env.forge.createWorkspace(env.repo, { dir, branch });
      writeFileSync(join(dir, 'CHANGE.md'), 'a change\n');
      sh(dir, ['add', '-A']);
      sh(dir, ['commit', '-q', '-m', 'Agent change']);
      const commit = sh(dir, ['rev-parse', 'HEAD']);
      expect(await env.forge.getBranchHead(env.repo, branch)).toBeUndefined();
      expect((await env.forge.pushBranch(env.repo, { dir, branch })).commit).toBe(commit);
      expect(await env.remote.branchHead(branch)).toBe(commit);
      expect(await env.forge.getBranchHead(env.repo, branch)).toBe(commit);
      expect((await env.forge.pushBranch(env.repo, { dir, branch })).commit).toBe(commit);
      expect(await env.remote.branchHead(branch)).toBe(commit);
    });

    it("never runs the workspace's hooks or config on the host when pushing", async () => {
      const dir = join(work, 'ws-evil');
      const branch = 'abca/task-4/evil';
      const markers = join(work, 'markers');
      mkdirSync(markers, { recursive: true });
      await env.forge.createWorkspace(env.repo, { dir, branch });
      writeFileSync(join(dir, 'EVIL.md'), 'innocent looking\n');
      sh(dir, ['add', '-A']);
      sh(dir, ['commit', '-q', '-m', 'Agent change']);
      const hooks = join(dir, '.git', 'evil-hooks');
      mkdirSync(hooks, { recursive: true });
      const script = (tag: string) => `#!/bin/sh\ntouch '${join(markers, tag)}'\n`;
      for (const hook of [
        'pre-push',
        'reference-transaction',
        'post-checkout',
        'pre-receive',
        'post-update',
        'fsmonitor',
      ]) {
        for (const where of [hooks, join(dir, '.git', 'hooks')]) {
          writeFileSync(join(where, hook), script(hook));
          chmodSync(join(where, hook), 0o755);
        }
      }
      sh(dir, ['config', 'core.hooksPath', hooks]);
      sh(dir, ['config', 'core.fsmonitor', join(hooks, 'fsmonitor')]);
      sh(dir, ['config', 'core.sshCommand', join(hooks, 'pre-push')]);
      sh(dir, ['config', 'uploadpack.packObjectsHook', join(hooks, 'pre-push')]);
      sh(dir, ['config', 'core.alternateRefsCommand', join(hooks, 'pre-push')]);
      const { commit } = await env.forge.pushBranch(env.repo, { dir, branch });
      expect(commit).toBe(
        sh(dir, ['rev-parse', 'HEAD'], { GIT_CONFIG_PARAMETERS: "'core.fsmonitor'='false'" }),
      );
      expect(readdirSync(markers)).toEqual([]);
      expect(await env.remote.branchHead(branch)).toBe(commit);
    });

    it('refuses a workspace whose .git points elsewhere on the host', async () => {
      const dir = join(work, 'ws-alt');
      const branch = 'abca/task-5/alt';
      await env.forge.createWorkspace(env.repo, { dir, branch });
      const { path: mirror } = await env.forge.syncMirror(env.repo);
      writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), `${join(mirror, 'objects')}\n`);
      const err = await thrown(env.forge.pushBranch(env.repo, { dir, branch }));
      expect(err).toBeInstanceOf(ForgeError);
      expect((err as ForgeError).code).toBe('PUSH_REJECTED');
      rmSync(join(dir, '.git', 'objects', 'info', 'alternates'));
      symlinkSync(join(mirror, 'objects', 'pack'), join(dir, '.git', 'objects', 'borrowed'));
      expect(await thrown(env.forge.pushBranch(env.repo, { dir, branch }))).toMatchObject({
        code: 'PUSH_REJECTED',
      });
    });

    it('opens, finds and updates a pull request, without a duplicate on retry', async () => {
      const branch = 'abca/task-6/pr';
      await pushChange('ws-pr', branch, 'PR.md');
      expect(await env.forge.findPullRequest(env.repo, branch)).toBeUndefined();
      const input = {
        branch,
        base: env.repo.defaultBranch,
        title: 'Add PR.md',
        body: 'Body',
        draft: true,
        taskId: 'TASK6',
      };
      const opened = await env.forge.openPullRequest(env.repo, input);
      expect(opened).toMatchObject({
        branch,
        base: env.repo.defaultBranch,
        title: 'Add PR.md',
        draft: true,
        state: 'open',
      });
      expect(opened.url).toBeTruthy();
      expect(await env.forge.findPullRequest(env.repo, branch)).toMatchObject({ number: opened.number });
      const retried = await env.forge.openPullRequest(env.repo, input);
      expect(retried.number).toBe(opened.number);
      const patch = { title: 'Add PR.md (v2)', draft: false };
      const updated = await env.forge.updatePullRequest(env.repo, opened.number, patch);
      expect(updated).toMatchObject({ number: opened.number, title: 'Add PR.md (v2)', draft: false });
      expect(await env.forge.findPullRequest(env.repo, branch)).toMatchObject({ title: 'Add PR.md (v2)' });
      await env.forge.comment(env.repo, opened.number, 'Validation passed.');
      const ctx = await env.forge.fetchContext(env.repo, { prNumber: opened.number });
      expect(ctx.pullRequest).toMatchObject({ number: opened.number, branch, base: env.repo.defaultBranch });
      expect(ctx.pullRequest?.diff).toContain('ws-pr change');
    });

    it('snapshots a workspace branch and restores it in a new folder (a task moving to another machine)', async () => {
      const dir = join(work, 'ws-snap');
      const branch = 'abca/task-9/snap';
      const { baseCommit } = await env.forge.createWorkspace(env.repo, { dir, branch });
      // Nothing of its own yet: nothing to carry over.
      expect(await env.forge.snapshotWorkspace(env.repo, { dir, branch, baseCommit })).toEqual({
        head: baseCommit,
        bundle: null,
      });
      writeFileSync(join(dir, 'SNAP.md'), 'snapshot change\n');
      sh(dir, ['add', '-A']);
      sh(dir, ['commit', '-q', '-m', 'Snapshot change']);
      const head = sh(dir, ['rev-parse', 'HEAD']);
      const snap = await env.forge.snapshotWorkspace(env.repo, { dir, branch, baseCommit });
      expect(snap.head).toBe(head);
      expect(snap.bundle?.length).toBeGreaterThan(0);

      const moved = join(work, 'ws-snap-moved');
      // Upstream moves on meanwhile: the restored branch still sits on the task's base.
      await env.remote.commitUpstream('UPSTREAM-9.md', 'moved on\n');
      await env.forge.syncMirror(env.repo);
      expect(
        await env.forge.restoreWorkspace(env.repo, { dir: moved, branch, baseCommit, bundle: snap.bundle }),
      ).toEqual({ head });
      expect(readFileSync(join(moved, 'SNAP.md'), 'utf8')).toBe('snapshot change\n');
      expect(sh(moved, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe(branch);
      expect(sh(moved, ['rev-list', '--count', `${baseCommit}..HEAD`])).toBe('1');
      // The restored branch pushes like any other.
      expect((await env.forge.pushBranch(env.repo, { dir: moved, branch })).commit).toBe(head);
      expect(await env.remote.branchHead(branch)).toBe(head);

      // No commits of its own: the branch is put back at the task's base, not the new upstream head.
      const empty = join(work, 'ws-snap-empty');
      expect(
        await env.forge.restoreWorkspace(env.repo, {
          dir: empty,
          branch: 'abca/task-9/none',
          baseCommit,
          bundle: null,
        }),
      ).toEqual({ head: baseCommit });
      expect(sh(empty, ['rev-parse', 'HEAD'])).toBe(baseCommit);
      for (const file of filesUnder(moved)) noSecretsIn(readFileSync(file, 'latin1'));
    });

    it("comments once per task on a PR, however often the task's comment is retried", async () => {
      const branch = 'abca/task-7/comment';
      await pushChange('ws-comment', branch, 'COMMENT.md');
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: env.repo.defaultBranch,
        title: 'Comment target',
        body: 'Body',
        draft: false,
        taskId: 'TASK7',
      });
      // A retry after a crash between posting and recording it: the first comment is found.
      await env.forge.comment(env.repo, pr.number, 'Task done.', { taskId: 'TASK7' });
      await env.forge.comment(env.repo, pr.number, 'Task done.', { taskId: 'TASK7' });
      // Another task's comment, and plain comments, are separate.
      await env.forge.comment(env.repo, pr.number, 'Other task.', { taskId: 'TASK8' });
      await env.forge.comment(env.repo, pr.number, 'Plain.');
      await env.forge.comment(env.repo, pr.number, 'Plain.');
      const bodies = await env.remote.comments(pr.number);
      expect(bodies.filter((b) => b.includes('Task done.'))).toHaveLength(1);
      expect(bodies.filter((b) => b.includes('Other task.'))).toHaveLength(1);
      expect(bodies.filter((b) => b.includes('Plain.'))).toHaveLength(2);
    });

    it('checks access: ok on a good repo, a typed failure on a missing one', async () => {
      expect(await env.forge.checkAccess(env.repo)).toEqual({ ok: true });
      const bad = await env.forge.checkAccess(env.missingRepo);
      expect(bad).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
      if (!bad.ok) noSecretsIn(bad.message);
    });

    it('throws typed errors that carry no secret', async () => {
      const dir = join(work, 'ws-missing');
      for (const call of [
        () => env.forge.syncMirror(env.missingRepo),
        () => env.forge.createWorkspace(env.missingRepo, { dir, branch: 'abca/task-7/x' }),
        () => env.forge.getBranchHead(env.missingRepo, 'main'),
      ]) {
        const err = await thrown(call());
        expect(err).toBeInstanceOf(ForgeError);
        expect((err as ForgeError).code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');
        noSecretsIn(`${(err as Error).message}\n${(err as Error).stack ?? ''}`);
      }
    });
  });
}
