import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBubblewrapBackend } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOctokit, toForgeError } from '../src/adapters/forge/github/client.ts';
import type { Forge } from '../src/ports/forge.ts';
import { type ForgeContractEnv, pushWithGit, runForgeContract, sh } from './forge-contract.ts';
import { runRemoteVerificationContract } from './remote-verification-contract.ts';
import { failure, ghRepo, NAME, OWNER, startWorld, token, type World } from './support/github-forge-world.ts';
import { runWorkspacesContract, type WorkspacesContractEnv } from './workspaces-contract.ts';

const EVENT_OF = { approve: 'APPROVE', request_changes: 'REQUEST_CHANGES', comment: 'COMMENT' } as const;
const VERDICT_OF = {
  APPROVED: 'approve',
  CHANGES_REQUESTED: 'request_changes',
  COMMENTED: 'comment',
} as const;

/** The verdict the forge states in the first line of a comment review on the bot's own PR. */
function statedVerdict(body: string): 'approve' | 'request_changes' | undefined {
  const stated = /^\*\*Verdict: (approve|request changes)\*\*/.exec(body)?.[1];
  return stated === 'approve' ? 'approve' : stated ? 'request_changes' : undefined;
}

async function contractEnv(): Promise<ForgeContractEnv & WorkspacesContractEnv & { world: World }> {
  const world = await startWorld();
  const forge = world.forge();
  const bare = world.gh.repoPath(OWNER, NAME);
  let n = 0;
  return {
    forge,
    workspaces: forge.local.workspaces,
    repo: ghRepo(),
    missingRepo: ghRepo('missing'),
    cacheDir: forge.cacheDir,
    secrets: [world.writeToken, world.readToken],
    remote: {
      async branchHead(branch) {
        return (
          sh(world.root, [
            '--git-dir',
            bare,
            'for-each-ref',
            '--format=%(objectname)',
            `refs/heads/${branch}`,
          ]) || undefined
        );
      },
      async commitUpstream(file, content) {
        const dev = join(world.root, `dev-${n++}`);
        sh(world.root, ['clone', '-q', bare, dev]);
        writeFileSync(join(dev, file), content);
        sh(dev, ['add', '-A']);
        sh(dev, ['commit', '-q', '-m', `Upstream ${file}`]);
        sh(dev, ['push', '-q', 'origin', 'HEAD:main']);
        return sh(dev, ['rev-parse', 'HEAD']);
      },
      async humanReview(number, review) {
        await world.gh.submitReview(OWNER, NAME, number, {
          reviewer: review.reviewer,
          event: EVENT_OF[review.verdict],
          body: review.body,
          comments: review.comments,
        });
      },
      async threads(number) {
        return world.gh
          .reviewThreads(OWNER, NAME, number)
          .map(({ path, resolved, bodies }) => ({ path, resolved, bodies }));
      },
      // GitHub refuses a verdict on one's own pull request, and the contract's PRs are the bot's:
      // the forge posts a comment stating the verdict in its first line, read back here.
      async reviews(number) {
        return world.gh
          .reviews(OWNER, NAME, number)
          .filter((r) => r.state in VERDICT_OF)
          .map((r) => ({
            verdict: statedVerdict(r.body) ?? VERDICT_OF[r.state as keyof typeof VERDICT_OF],
            body: r.body,
            comments: r.commentIds.length,
          }));
      },
      async comments(number) {
        return world.gh.issueComments(OWNER, NAME, number).map((c) => c.body);
      },
    },
    cleanup: () => world.close(),
    world,
  };
}

runForgeContract('GitHub (fake)', contractEnv);
runWorkspacesContract('GitHub (fake)', contractEnv);
runRemoteVerificationContract('GitHub (fake)', async () => {
  const env = await contractEnv();
  const world = env.world;
  const wrong = token('ghp');
  return {
    ...env,
    push: 'allowed',
    refused: { forge: world.forge({ auth: { kind: 'token', token: wrong } }), target: ghRepo() },
    secrets: [...env.secrets, wrong],
  };
});

type ContextThreads = NonNullable<Awaited<ReturnType<Forge['fetchContext']>>['pullRequest']>['reviewThreads'];

/** Threads without their ids and comment ids/times, to compare with what a test wrote. */
function plain(threads: ContextThreads | undefined) {
  return (threads ?? []).map(({ id: _id, comments, ...t }) => ({
    ...t,
    comments: comments.map(({ author, body }) => ({ author, body })),
  }));
}

/** Pushes a branch with one commit through the forge's remote and opens a PR for it. */
async function pushAndOpen(world: World, forge: Forge, branch: string): Promise<number> {
  const dir = join(world.root, `ws-${branch.replace(/\W+/g, '-')}`);
  await pushWithGit(forge, ghRepo(), {
    dir,
    branch,
    file: 'feature.ts',
    content: 'export const feature = true;\n',
  });
  const pr = await forge.openPullRequest(ghRepo(), {
    branch,
    base: 'main',
    title: 'Feature',
    body: 'Adds it',
    draft: false,
    taskId: 'T1',
  });
  return pr.number;
}

describe('GitHub forge', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('authenticates as a GitHub App with a repo-scoped installation token, looked up and cached', async () => {
    const forge = world.forge({ auth: { kind: 'app', appId: 4242, privateKey: world.privateKey } });
    expect(await forge.checkAccess(ghRepo())).toEqual({ ok: true });
    expect(
      (await forge.local.workspaces.readFiles(ghRepo(), ['README.md'])).get('README.md')?.text,
    ).toContain('Seed repo');
    const mints = world.gh.requests.filter((r) => /\/app\/installations\/77\/access_tokens$/.test(r.path));
    expect(mints).toHaveLength(1);
    expect(world.gh.requests.some((r) => r.path.endsWith(`/repos/${OWNER}/${NAME}/installation`))).toBe(true);
    const withId = world.forge({
      auth: { kind: 'app', appId: 4242, privateKey: world.privateKey, installationId: 77 },
    });
    expect(await withId.checkAccess(ghRepo())).toEqual({ ok: true });
  });

  it('hydrates an issue with its comments', async () => {
    const number = world.gh.addIssue(OWNER, NAME, {
      title: 'Crash on start',
      body: 'It crashes.',
      comments: [
        { author: 'alice', body: 'Me too' },
        { author: 'bob', body: 'Stack trace attached' },
      ],
    });
    const ctx = await world.forge().fetchContext(ghRepo(), { issueNumber: number });
    expect(ctx.issue).toEqual({
      number,
      title: 'Crash on start',
      body: 'It crashes.',
      comments: [
        { author: 'alice', body: 'Me too' },
        { author: 'bob', body: 'Stack trace attached' },
      ],
    });
  });

  it('hydrates a pull request with its diff and review threads', async () => {
    const forge = world.forge();
    const number = await pushAndOpen(world, forge, 'abca/t-hydrate/feature');
    const first = world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'feature.ts',
      line: 1,
      body: 'Rename this',
      author: 'alice',
    });
    world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'feature.ts',
      line: 1,
      body: 'Agreed',
      author: 'bob',
      inReplyTo: first,
    });
    world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'README.md',
      line: 1,
      body: 'Typo',
      author: 'carol',
    });
    const ctx = await forge.fetchContext(ghRepo(), { prNumber: number });
    expect(ctx.pullRequest).toMatchObject({
      number,
      title: 'Feature',
      body: 'Adds it',
      base: 'main',
      branch: 'abca/t-hydrate/feature',
    });
    expect(ctx.pullRequest?.diff).toContain('+export const feature = true;');
    expect(plain(ctx.pullRequest?.reviewThreads)).toEqual([
      {
        path: 'feature.ts',
        line: 1,
        comments: [
          { author: 'alice', body: 'Rename this' },
          { author: 'bob', body: 'Agreed' },
        ],
      },
      { path: 'README.md', line: 1, comments: [{ author: 'carol', body: 'Typo' }] },
    ]);
    // Each thread has its GraphQL id, each comment its REST id and time.
    const threads = ctx.pullRequest?.reviewThreads ?? [];
    expect(threads.map((t) => t.id)).toEqual(world.gh.reviewThreads(OWNER, NAME, number).map((t) => t.id));
    expect(threads[0]?.comments[0]).toMatchObject({ id: String(first), createdAt: expect.any(String) });
    await forge.comment(ghRepo(), number, 'Done.');
    expect(world.gh.issueComments(OWNER, NAME, number).map((c) => c.body)).toContain('Done.');
  });

  it('hydrates a PR task with its unresolved review threads only (GraphQL), outdated ones marked', async () => {
    const forge = world.forge();
    const number = await pushAndOpen(world, forge, 'abca/t-resolved/feature');
    const open = world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'feature.ts',
      line: 1,
      body: 'Still wrong',
      author: 'alice',
    });
    world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'feature.ts',
      line: 1,
      body: '+1',
      inReplyTo: open,
    });
    const resolved = world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'README.md',
      line: 2,
      body: 'Fixed already',
      author: 'bob',
    });
    const reply = world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'README.md',
      line: 2,
      body: 'Thanks',
      author: 'alice',
      inReplyTo: resolved,
    });
    const outdated = world.gh.addReviewComment(OWNER, NAME, number, {
      path: 'feature.ts',
      line: 3,
      body: 'Old remark',
      author: 'carol',
    });
    world.gh.updateReviewThread(OWNER, NAME, number, reply, { resolved: true });
    world.gh.updateReviewThread(OWNER, NAME, number, outdated, { outdated: true });
    const before = world.gh.requests.length;

    const ctx = await forge.fetchContext(ghRepo(), { prNumber: number });
    expect(plain(ctx.pullRequest?.reviewThreads)).toEqual([
      {
        path: 'feature.ts',
        line: 1,
        comments: [
          { author: 'alice', body: 'Still wrong' },
          { author: OWNER, body: '+1' },
        ],
      },
      { path: 'feature.ts', line: 3, comments: [{ author: 'carol', body: 'Old remark' }], outdated: true },
    ]);
    const graphql = world.gh.requests.slice(before).filter((r) => r.path === '/api/graphql');
    expect(graphql).toEqual([
      expect.objectContaining({ method: 'POST', status: 200, authorization: 'token' }),
    ]);

    // Reopened, the thread comes back.
    world.gh.updateReviewThread(OWNER, NAME, number, resolved, { resolved: false });
    const again = await forge.fetchContext(ghRepo(), { prNumber: number });
    expect(again.pullRequest?.reviewThreads.map((t) => t.path)).toEqual([
      'feature.ts',
      'README.md',
      'feature.ts',
    ]);
  });

  it('pages through more than 100 review threads', async () => {
    const forge = world.forge();
    const number = await pushAndOpen(world, forge, 'abca/t-many/feature');
    for (let i = 0; i < 130; i++) {
      const id = world.gh.addReviewComment(OWNER, NAME, number, { path: `f${i}.ts`, line: 1, body: `#${i}` });
      if (i % 2 === 1) world.gh.updateReviewThread(OWNER, NAME, number, id, { resolved: true });
    }
    const threads =
      (await forge.fetchContext(ghRepo(), { prNumber: number })).pullRequest?.reviewThreads ?? [];
    expect(threads).toHaveLength(65);
    expect(threads.at(-1)).toMatchObject({ path: 'f128.ts', comments: [{ body: '#128' }] });
  });

  it('fails PR hydration with a typed error when GraphQL fails, never with the token', async () => {
    const forge = world.forge();
    const number = await pushAndOpen(world, forge, 'abca/t-gql-down/feature');
    world.gh.fail({ method: 'POST', path: '/graphql', times: 10 }, { status: 502 });
    const down = await failure(forge.fetchContext(ghRepo(), { prNumber: number }));
    expect(down).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
    world.gh.clearFaults();
    world.gh.fail({ method: 'POST', path: '/graphql' }, { status: 403 });
    const denied = await failure(forge.fetchContext(ghRepo(), { prNumber: number }));
    expect(denied).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS', retryable: false });
    for (const err of [down, denied]) expect(`${err.message}\n${err.stack}`).not.toContain(world.writeToken);
  });

  it('toggles draft both ways over GraphQL; a read-only token gets INSUFFICIENT_PERMISSIONS', async () => {
    const forge = world.forge();
    const number = await pushAndOpen(world, forge, 'abca/t-draft/feature');
    const draftOf = () => world.gh.pulls(OWNER, NAME).find((p) => p.number === number)?.draft;
    expect(await forge.updatePullRequest(ghRepo(), number, { draft: true })).toMatchObject({ draft: true });
    expect(draftOf()).toBe(true);
    expect(await forge.updatePullRequest(ghRepo(), number, { draft: false })).toMatchObject({ draft: false });
    expect(draftOf()).toBe(false);
    const reader = world.forge({ auth: { kind: 'token', token: world.readToken } });
    const err = await failure(reader.updatePullRequest(ghRepo(), number, { draft: true }));
    expect(err).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS', retryable: false });
    expect(err.message).toMatch(/Resource not accessible/);
    expect(err.message).not.toContain(world.readToken);
    expect(draftOf()).toBe(false);
  });

  it('maps GraphQL answers with errors (HTTP 200) to typed ForgeErrors by their type', async () => {
    const octokit = createOctokit({ baseUrl: world.gh.apiUrl, auth: world.writeToken });
    const caught = async (query: string, variables: Record<string, unknown>) => {
      try {
        await octokit.graphql(query, variables);
      } catch (err) {
        return toForgeError(err, 'graphql', [world.writeToken]);
      }
      throw new Error('expected the GraphQL call to fail');
    };
    const mutation =
      'mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { clientMutationId } }';
    expect(await caught(mutation, { id: 'MDExOlB1bGxSZXF1ZXN0OTk5OTk5' })).toMatchObject({
      code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
      retryable: false,
    });
    const refused = await caught('{ viewer { login } }', {});
    expect(refused).toMatchObject({ code: 'INTERNAL_ERROR', retryable: false });
    expect(refused.message).toMatch(/viewer/);
  });

  it('maps 404 to REPO_NOT_FOUND_OR_NO_ACCESS and 403 to INSUFFICIENT_PERMISSIONS', async () => {
    const forge = world.forge();
    world.gh.fail({ method: 'GET', path: `/repos/${OWNER}/${NAME}` }, { status: 404 });
    expect(await forge.checkAccess(ghRepo())).toMatchObject({
      ok: false,
      code: 'REPO_NOT_FOUND_OR_NO_ACCESS',
    });
    const issue = world.gh.addIssue(OWNER, NAME, { title: 'x' });
    world.gh.fail(
      { method: 'POST', path: `/repos/${OWNER}/${NAME}/issues/${issue}/comments` },
      { status: 403 },
    );
    const err = await failure(forge.comment(ghRepo(), issue, 'hi'));
    expect(err).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS', retryable: false });
  });

  it('fails with a typed error on a 422 that is not "already exists"', async () => {
    const forge = world.forge();
    const err = await failure(
      forge.openPullRequest(ghRepo(), {
        branch: 'no-such-branch',
        base: 'main',
        title: 't',
        body: '',
        draft: false,
        taskId: 'T',
      }),
    );
    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).toMatch(/422/);
  });

  it('retries 5xx and succeeds, and gives up with GITHUB_UNREACHABLE (retryable)', async () => {
    const forge = world.forge();
    const issue = world.gh.addIssue(OWNER, NAME, { title: 'Flaky' });
    world.gh.fail(
      { method: 'GET', path: `/repos/${OWNER}/${NAME}/issues/${issue}`, times: 2 },
      { status: 502 },
    );
    expect((await forge.fetchContext(ghRepo(), { issueNumber: issue })).issue?.title).toBe('Flaky');
    expect(forge.waits).toEqual([1000, 2000]);
    world.gh.fail(
      { method: 'GET', path: `/repos/${OWNER}/${NAME}/issues/${issue}`, times: 10 },
      { status: 503 },
    );
    const err = await failure(forge.fetchContext(ghRepo(), { issueNumber: issue }));
    expect(err).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
    world.gh.clearFaults();
  });

  it('honours retry-after on a secondary rate limit and x-ratelimit-reset on the primary one', async () => {
    const issue = world.gh.addIssue(OWNER, NAME, { title: 'Limited' });
    const path = `/repos/${OWNER}/${NAME}/issues/${issue}`;
    const forge = world.forge();
    world.gh.fail({ method: 'GET', path }, 'secondary-rate-limit');
    expect((await forge.fetchContext(ghRepo(), { issueNumber: issue })).issue?.title).toBe('Limited');
    expect(forge.waits).toEqual([1000]);
    // The primary limit resets in about a minute: past the cap, it fails at once, retryable.
    const capped = world.forge({ retry: { maxWaitMs: 30_000 } });
    world.gh.fail({ method: 'GET', path }, 'rate-limit');
    const err = await failure(capped.fetchContext(ghRepo(), { issueNumber: issue }));
    expect(err).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
    expect(capped.waits).toEqual([]);
    const patient = world.forge({ retry: { maxWaitMs: 120_000 } });
    world.gh.fail({ method: 'GET', path }, 'rate-limit');
    expect((await patient.fetchContext(ghRepo(), { issueNumber: issue })).issue?.title).toBe('Limited');
    expect(patient.waits).toHaveLength(1);
    expect(patient.waits[0]).toBeGreaterThan(30_000);
  });

  it('gives up on a hanging API with GITHUB_UNREACHABLE', async () => {
    const forge = world.forge({ retry: { timeoutMs: 200, retries: 1 } });
    world.gh.fail({ method: 'GET', path: `/repos/${OWNER}/${NAME}`, times: 2 }, 'hang');
    expect(await forge.checkAccess(ghRepo())).toMatchObject({ ok: false, code: 'GITHUB_UNREACHABLE' });
  });

  it('kills a hanging git transfer and reports GITHUB_UNREACHABLE', async () => {
    const forge = world.forge({}, { timeoutMs: 1_000 });
    world.gh.fail({ path: `/${OWNER}/${NAME}.git/info/refs` }, 'hang');
    const err = await failure(forge.local.workspaces.syncMirror(ghRepo()));
    expect(err).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
    world.gh.clearFaults();
  });

  it('treats a wrong token as REPO_NOT_FOUND_OR_NO_ACCESS and never echoes it', async () => {
    const wrong = token('ghp');
    const forge = world.forge({ auth: { kind: 'token', token: wrong } });
    const check = await forge.checkAccess(ghRepo());
    expect(check).toMatchObject({ ok: false, code: 'REPO_NOT_FOUND_OR_NO_ACCESS' });
    const err = await failure(forge.local.workspaces.syncMirror(ghRepo()));
    expect(err.code).toBe('REPO_NOT_FOUND_OR_NO_ACCESS');
    for (const text of [JSON.stringify(check), err.message, err.stack ?? '']) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString('base64'));
    }
  });

  it('reports a read-only token as INSUFFICIENT_PERMISSIONS, in pre-flight and on push', async () => {
    const writer = world.forge();
    const reader = world.forge({ auth: { kind: 'token', token: world.readToken } });
    expect(await reader.checkAccess(ghRepo())).toMatchObject({ ok: false, code: 'INSUFFICIENT_PERMISSIONS' });
    const dir = join(world.root, 'ws-reader');
    const branch = 'abca/t-reader/x';
    const limits = { maxFiles: 1000, maxCheckoutBytes: 1e8, maxCaptureBytes: 1e7, maxFileBytes: 1e6 };
    const { baseCommit } = await reader.local.workspaces.prepare(ghRepo(), { dir, branch, limits });
    const sandbox = await createBubblewrapBackend().create({
      taskId: `reader-${process.pid}`,
      workspaceDir: dir,
    });
    try {
      await reader.local.workspaces.checkout(ghRepo(), sandbox);
      await sandbox.exec('echo x > x.txt');
      const capture = await reader.local.workspaces.capture(ghRepo(), sandbox, {
        branch,
        baseCommit,
        message: 'x',
        limits,
      });
      const err = await failure(reader.local.workspaces.push(ghRepo(), { branch, baseCommit, capture }));
      expect(err.code).toBe('INSUFFICIENT_PERMISSIONS');
      expect(err.message).not.toContain(world.readToken);
    } finally {
      await sandbox.stop();
    }
    expect(await writer.local.workspaces.remoteHead(ghRepo(), branch)).toBeUndefined();
  });

  it('keeps the token out of the mirror config and the workspace', async () => {
    const forge = world.forge();
    await forge.local.workspaces.syncMirror(ghRepo());
    const dir = join(world.root, 'ws-clean');
    const limits = { maxFiles: 1000, maxCheckoutBytes: 1e8, maxCaptureBytes: 1e7, maxFileBytes: 1e6 };
    await forge.local.workspaces.prepare(ghRepo(), { dir, branch: 'abca/t-clean/x', limits });
    for (const file of [forge.local.mirrors.pathOf(ghRepo()), join(dir, '.git')].flatMap((d) => [
      join(d, 'config'),
      join(d, 'FETCH_HEAD'),
      join(d, 'packed-refs'),
    ])) {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      expect(text).not.toContain(world.writeToken);
    }
    expect(sh(dir, ['config', 'remote.origin.url'])).toBe(world.gh.gitUrl(OWNER, NAME));
  });
});
