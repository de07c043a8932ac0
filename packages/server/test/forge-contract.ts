import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitCli } from '../src/git/git-cli.ts';
import type { Forge, RepoRef } from '../src/ports/forge.ts';

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
    /**
     * A person (`reviewer`, with write access) reviews the PR around the forge: one review with
     * `verdict` and a comment on each line given (new side of the diff).
     */
    humanReview(
      number: number,
      review: {
        reviewer: string;
        verdict: 'comment' | 'request_changes' | 'approve';
        body: string;
        comments: { path: string; line: number; body: string }[];
      },
    ): Promise<void>;
    /** The PR's review threads read around the forge: resolved or not, and their comments' bodies. */
    threads(number: number): Promise<{ path: string; resolved: boolean; bodies: string[] }[]>;
    /** The PR's reviews read around the forge, oldest first: verdict, body, and their line comments. */
    reviews(
      number: number,
    ): Promise<{ verdict: 'comment' | 'request_changes' | 'approve'; body: string; comments: number }[]>;
  };
  /** Every credential the forge holds; none may show up in a returned value or an error. */
  secrets: string[];
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

/** Every file under `dir` (including `.git`). */
export function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(p);
    else if (e.isFile()) yield p;
  }
}

export async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * Another client pushes `branch` with one commit adding `file`, through the forge's remote (a
 * clone in `dir` made with the host's git and the credential `gitRemote` gives). Returns the commit.
 */
export async function pushWithGit(
  forge: Forge,
  repo: RepoRef,
  opts: { dir: string; branch: string; file: string; content: string },
): Promise<string> {
  const git = createGitCli();
  const remote = await forge.gitRemote(repo);
  const cred = remote.credential ? { credential: remote.credential } : {};
  await git.run(['clone', '--quiet', remote.url, opts.dir], { op: 'fetch', ...cred });
  writeFileSync(join(opts.dir, opts.file), opts.content);
  sh(opts.dir, ['add', '-A']);
  sh(opts.dir, ['commit', '-q', '-m', `Add ${opts.file}`]);
  await git.run(['push', '--quiet', remote.url, `HEAD:refs/heads/${opts.branch}`], {
    cwd: opts.dir,
    op: 'push',
    ...cred,
  });
  return sh(opts.dir, ['rev-parse', 'HEAD']);
}

/**
 * The contract every forge adapter runs, the fake included: the remote git reaches through
 * `gitRemote`, pull requests without duplicates, the task's comment once, pre-flight, and
 * credentials never leaking. The task's local git work has its own suite (workspaces-contract.ts).
 */
export function runForgeContract(name: string, setup: () => Promise<ForgeContractEnv>): void {
  describe(`forge contract: ${name}`, () => {
    let env: ForgeContractEnv;
    let work: string;
    const git = createGitCli();
    beforeAll(async () => {
      env = await setup();
      work = mkdtempSync(join(tmpdir(), 'abca-forge-'));
    });
    afterAll(async () => {
      await env?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    const pushChange = (branch: string, file: string) =>
      pushWithGit(env.forge, env.repo, {
        dir: join(work, branch.replace(/\W+/g, '-')),
        branch,
        file,
        content: `${branch} change\n`,
      });

    const noSecretsIn = (text: string) => {
      for (const s of env.secrets) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(Buffer.from(s).toString('base64').slice(0, 16));
      }
    };

    it('names a remote git reaches with the credential given per call, and a public URL without one', async () => {
      const remote = await env.forge.gitRemote(env.repo);
      noSecretsIn(remote.url);
      noSecretsIn(remote.publicUrl);
      expect(remote.publicUrl).not.toMatch(/\/\/[^/]*@/);
      const out = await git.run(
        ['ls-remote', '--heads', remote.url, `refs/heads/${env.repo.defaultBranch}`],
        {
          op: 'fetch',
          ...(remote.credential ? { credential: remote.credential } : {}),
        },
      );
      const head = out.split('\t')[0];
      expect(head).toMatch(/^[0-9a-f]{40}$/);
      expect(head).toBe(await env.remote.branchHead(env.repo.defaultBranch));
    });

    it('opens, finds and updates a pull request, without a duplicate on retry', async () => {
      const branch = 'abca/task-6/pr';
      await pushChange(branch, 'PR.md');
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
      expect(ctx.pullRequest?.diff).toContain(`${branch} change`);
    });

    it("comments once per task on a PR, however often the task's comment is retried", async () => {
      const branch = 'abca/task-7/comment';
      await pushChange(branch, 'COMMENT.md');
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

    it('checks access: ok on a good repo, a typed failure on a missing one, with no secret', async () => {
      expect(await env.forge.checkAccess(env.repo)).toEqual({ ok: true });
      const bad = await env.forge.checkAccess(env.missingRepo);
      expect(bad).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
      if (!bad.ok) noSecretsIn(bad.message);
    });

    it('reads a PR with its head, its review threads and its activity', async () => {
      const branch = 'abca/task-9/loop';
      const head = await pushChange(branch, 'LOOP.md');
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: env.repo.defaultBranch,
        title: 'Loop target',
        body: 'Body',
        draft: false,
        taskId: 'TASK9',
      });
      expect(await env.forge.getPullRequest(env.repo, 9999)).toBeUndefined();
      expect(await env.forge.getPullRequest(env.repo, pr.number)).toMatchObject({
        number: pr.number,
        branch,
        state: 'open',
        headSha: head,
        mergedAt: null,
      });
      await env.remote.humanReview(pr.number, {
        reviewer: 'octo-reviewer',
        verdict: 'request_changes',
        body: 'Two things.',
        comments: [
          { path: 'LOOP.md', line: 1, body: 'Say more here.' },
          { path: 'LOOP.md', line: 1, body: 'And fix the title.' },
        ],
      });
      const ctx = await env.forge.fetchContext(env.repo, { prNumber: pr.number });
      expect(ctx.pullRequest?.headSha).toBe(head);
      expect(ctx.pullRequest?.state).toBe('open');
      const threads = ctx.pullRequest?.reviewThreads ?? [];
      expect(threads.map((t) => t.comments.map((c) => c.body))).toEqual([
        ['Say more here.'],
        ['And fix the title.'],
      ]);
      for (const t of threads) {
        expect(t.id).toBeTruthy();
        expect(t).toMatchObject({ path: 'LOOP.md', line: 1 });
        expect(t.comments[0]?.author).toBe('octo-reviewer');
      }
      const activity = await env.forge.listActivity(env.repo, pr.number);
      expect(activity.pr).toMatchObject({ number: pr.number, headSha: head });
      expect(activity.reviews.map((r) => [r.author, r.state])).toContainEqual([
        'octo-reviewer',
        'changes_requested',
      ]);
      expect(activity.threads.filter((t) => !t.resolved)).toHaveLength(2);
      expect(activity.commits.map((c) => c.sha)).toContain(head);
      expect(activity.failingChecks).toEqual([]);
    });

    it('replies once per task in each thread and resolves it; posts one review per task', async () => {
      const branch = 'abca/task-10/reply';
      await pushChange(branch, 'REPLY.md');
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: env.repo.defaultBranch,
        title: 'Reply target',
        body: 'Body',
        draft: false,
        taskId: 'TASK10',
      });
      await env.remote.humanReview(pr.number, {
        reviewer: 'octo-reviewer',
        verdict: 'comment',
        body: '',
        comments: [
          { path: 'REPLY.md', line: 1, body: 'First.' },
          { path: 'REPLY.md', line: 1, body: 'Second.' },
        ],
      });
      const ctx = await env.forge.fetchContext(env.repo, { prNumber: pr.number });
      const ids = (ctx.pullRequest?.reviewThreads ?? []).map((t) => t.id);
      expect(ids).toHaveLength(2);
      // A retry after a crash between posting and recording: the reply is found, not repeated.
      for (const id of [...ids, ...ids])
        await env.forge.replyToThread(env.repo, pr.number, id, `Done for ${id}.`, { taskId: 'TASK11' });
      await env.forge.resolveThread(env.repo, pr.number, ids[0] as string);
      await env.forge.resolveThread(env.repo, pr.number, ids[0] as string);
      const seen = await env.remote.threads(pr.number);
      expect(seen).toHaveLength(2);
      for (const t of seen) expect(t.bodies.filter((b) => b.startsWith('Done for'))).toHaveLength(1);
      expect(seen.map((t) => t.resolved).sort()).toEqual([false, true]);
      const after = await env.forge.fetchContext(env.repo, { prNumber: pr.number });
      expect(after.pullRequest?.reviewThreads.map((t) => t.id)).toEqual([ids[1]]);

      const review = {
        commitSha: ctx.pullRequest?.headSha as string,
        verdict: 'request_changes' as const,
        body: 'Please split this.',
        comments: [{ path: 'REPLY.md', line: 1, body: 'Too long.' }],
      };
      await env.forge.postReview(env.repo, pr.number, review, { taskId: 'TASK12' });
      await env.forge.postReview(env.repo, pr.number, review, { taskId: 'TASK12' });
      const reviews = (await env.remote.reviews(pr.number)).filter((r) => r.body.includes('Please split'));
      expect(reviews).toEqual([
        { verdict: 'request_changes', body: expect.stringContaining('Please split this.'), comments: 1 },
      ]);
    });

    it('fails typed on a review thread that does not exist', async () => {
      const branch = 'abca/task-13/nothread';
      await pushChange(branch, 'NOTHREAD.md');
      const pr = await env.forge.openPullRequest(env.repo, {
        branch,
        base: env.repo.defaultBranch,
        title: 'No thread',
        body: 'Body',
        draft: false,
        taskId: 'TASK13',
      });
      const err = await thrown(env.forge.replyToThread(env.repo, pr.number, '987654', 'x', { taskId: 'T' }));
      expect(err).toMatchObject({ name: 'ForgeError' });
    });

    it('fails typed, with no secret, on a pull request that does not exist', async () => {
      const err = await thrown(env.forge.fetchContext(env.repo, { prNumber: 9999 }));
      expect(err).toMatchObject({ name: 'ForgeError', code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
      noSecretsIn(`${(err as Error).message}\n${(err as Error).stack ?? ''}`);
    });
  });
}
