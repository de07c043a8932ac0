import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeRequestInfo, PrComment, PrMergeResult, PrReview } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitForge } from '../src/adapters/forge/git/forge.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import type { RepoRef } from '../src/ports/forge.ts';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Plain git's review loop for people, on the real platform: a member comments on lines of their
 * task's pull request, answers and resolves threads, reviews it, and merges it on the remote; a
 * second one conflicts (409, the remote unchanged); a third is closed. Each bad input gets its
 * typed answer, and what people write is what the forge hands the PR loop.
 */
let p: TestPlatform;
let mia: string;
let bob: string;
let remote: string;
const prs: number[] = [];
const cache = mkdtempSync(join(tmpdir(), 'abca-prloop-cache-'));

const refs = () => execFileSync('git', ['--git-dir', remote, 'for-each-ref'], { encoding: 'utf8' });
const remoteFile = (rev: string) =>
  execFileSync('git', ['--git-dir', remote, 'show', rev], { encoding: 'utf8' });

beforeAll(async () => {
  p = await startTestPlatform();
  remote = makeRemote({ 'README.md': '# loop\n' });
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'loop', forge: { kind: 'git', url: remote } },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  mia = await p.userKey('mia');
  bob = await p.userKey('bob');
  // Three tasks of mia's, each a pull request adding ABCA_FAKE_CHANGE.md (the fake agent's change).
  for (const what of ['first', 'second', 'third']) {
    const created = await p.request('POST', '/v1/tasks', {
      key: mia,
      body: { repo: 'loop', task_description: `The ${what} change` },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const done = await p.waitFor(created.body.data.task_id, (t) => t.status === 'COMPLETED', 90_000);
    prs.push(done.outcome.pr.number);
  }
}, 300_000);
afterAll(async () => {
  await p?.platform.stop();
  rmSync(cache, { recursive: true, force: true });
});

const as = (key: string) => ({
  get: (path: string) => p.request('GET', path, { key }),
  post: (path: string, body: unknown = {}) => p.request('POST', path, { key, body }),
});

describe('plain-git pull requests: the review loop', () => {
  it('comments on a line, replies, resolves and reopens a thread; the forge hands it to the PR loop', async () => {
    const n = prs[0] as number;
    const line = await as(mia).post(`/v1/prs/${n}/comments`, {
      body: 'Say who made this.',
      path: 'ABCA_FAKE_CHANGE.md',
      line: 1,
    });
    expect(line.status, JSON.stringify(line.body)).toBe(201);
    const root = PrComment.parse(line.body.data);
    expect(root).toMatchObject({ author: 'mia', path: 'ABCA_FAKE_CHANGE.md', line: 1, in_reply_to: null });
    const reply = await as(p.adminKey).post(`/v1/prs/${n}/comments`, {
      body: 'Agreed.',
      in_reply_to: root.id,
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    // A reply to the reply lands in the same thread, on the thread's line.
    const again = await as(mia).post(`/v1/prs/${n}/comments`, {
      body: 'Thanks.',
      in_reply_to: reply.body.data.id,
    });
    expect(again.body.data).toMatchObject({ in_reply_to: root.id, path: 'ABCA_FAKE_CHANGE.md', line: 1 });
    const plain = await as(mia).post(`/v1/prs/${n}/comments`, { body: 'Overall fine.' });
    expect(plain.body.data).toMatchObject({ path: null, line: null, in_reply_to: null });

    const resolved = await as(mia).post(`/v1/prs/${n}/comments/${again.body.data.id}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.data.map((c: PrComment) => [c.body, c.resolved])).toEqual([
      ['Say who made this.', true],
      ['Agreed.', true],
      ['Thanks.', true],
    ]);
    const list = await as(mia).get(`/v1/prs/${n}/comments`);
    expect(list.body.data.map((c: unknown) => PrComment.parse(c).body)).toEqual([
      'Say who made this.',
      'Agreed.',
      'Thanks.',
      'Overall fine.',
    ]);

    // What people wrote is what the plain-git forge gives the watcher and the iteration.
    const repo: RepoRef = { repo: 'loop', defaultBranch: 'main', forge: { kind: 'git', url: remote } };
    const local = createLocalGit({ cacheDir: cache, remote: (r) => forge.gitRemote(r) });
    const forge = createGitForge({ db: p.platform.db, git: local.git, mirrors: local.mirrors });
    expect((await forge.fetchContext(repo, { prNumber: n })).pullRequest?.reviewThreads).toEqual([]);
    expect((await as(mia).post(`/v1/prs/${n}/comments/${root.id}/unresolve`)).status).toBe(200);
    const ctx = (await forge.fetchContext(repo, { prNumber: n })).pullRequest;
    expect(
      ctx?.reviewThreads.map((t) => [t.path, t.line, t.comments.map((c) => `${c.author}: ${c.body}`)]),
    ).toEqual([['ABCA_FAKE_CHANGE.md', 1, ['mia: Say who made this.', 'admin: Agreed.', 'mia: Thanks.']]]);
    expect(ctx?.conversation.map((c) => c.body)).toEqual(['Overall fine.']);
  });

  it('records reviews with their line comments, authored by the caller', async () => {
    const n = prs[0] as number;
    const changes = await as(p.adminKey).post(`/v1/prs/${n}/reviews`, {
      verdict: 'request_changes',
      body: 'Not yet.',
      comments: [{ path: 'ABCA_FAKE_CHANGE.md', line: 1, body: 'Name the task.' }],
    });
    expect(changes.status, JSON.stringify(changes.body)).toBe(201);
    expect(PrReview.parse(changes.body.data)).toMatchObject({ author: 'admin', verdict: 'request_changes' });
    const approve = await as(mia).post(`/v1/prs/${n}/reviews`, { verdict: 'approve' });
    expect(approve.status, JSON.stringify(approve.body)).toBe(201);
    const reviews = await as(mia).get(`/v1/prs/${n}/reviews`);
    expect(reviews.body.data.map((r: PrReview) => [r.author, r.verdict, r.body])).toEqual([
      ['admin', 'request_changes', 'Not yet.'],
      ['mia', 'approve', ''],
    ]);
    const comments = (await as(mia).get(`/v1/prs/${n}/comments`)).body.data as PrComment[];
    expect(comments.filter((c) => c.body === 'Name the task.')).toMatchObject([
      { author: 'admin', path: 'ABCA_FAKE_CHANGE.md', line: 1, in_reply_to: null, resolved: false },
    ]);
  });

  it('merges on the remote; a conflicting one is refused with its paths and the remote unchanged', async () => {
    const [first, second] = prs as [number, number];
    const pr = ChangeRequestInfo.parse((await as(mia).get(`/v1/prs/${first}?diff=false`)).body.data);
    const merged = await as(mia).post(`/v1/prs/${first}/merge`);
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const result = PrMergeResult.parse(merged.body.data);
    expect(result).toMatchObject({ already_merged: false, pr: { state: 'merged', number: first } });
    expect(result.pr.merged_at).toBeTruthy();
    expect(result.pr.closed_at).toBeTruthy();
    // The base on the remote is the merge commit: the base it had, and the branch's head.
    const main = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'refs/heads/main'], {
      encoding: 'utf8',
    }).trim();
    expect(main).toBe(result.merge_commit);
    const parents = execFileSync('git', ['--git-dir', remote, 'rev-list', '--parents', '-n', '1', main], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ');
    expect(parents.slice(1)).toEqual([pr.base_commit, pr.head_commit]);
    expect(remoteFile(`${main}:ABCA_FAKE_CHANGE.md`)).toContain(`task ${pr.task_id}`);
    // The branch is kept.
    expect(refs()).toContain(`refs/heads/${pr.branch}`);

    // The second adds the same file with other content: a conflict, nothing pushed.
    const before = refs();
    const conflict = await as(mia).post(`/v1/prs/${second}/merge`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({
      code: 'MERGE_CONFLICT',
      details: [{ field: 'ABCA_FAKE_CHANGE.md' }],
    });
    expect(conflict.body.error.message).toContain('ABCA_FAKE_CHANGE.md');
    expect(refs()).toBe(before);
    expect((await as(mia).get(`/v1/prs/${second}?diff=false`)).body.data.state).toBe('open');

    // Merged is final: a second merge, a comment or a review is 409 PR_NOT_OPEN.
    for (const res of [
      await as(mia).post(`/v1/prs/${first}/merge`),
      await as(mia).post(`/v1/prs/${first}/close`),
      await as(mia).post(`/v1/prs/${first}/comments`, { body: 'late' }),
      await as(mia).post(`/v1/prs/${first}/reviews`, { verdict: 'approve' }),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('PR_NOT_OPEN');
    }
  });

  it('closes one (remote branch kept); a closed one takes no merge or comment', async () => {
    const third = prs[2] as number;
    const branch = (await as(mia).get(`/v1/prs/${third}?diff=false`)).body.data.branch as string;
    const before = refs();
    const closed = await as(mia).post(`/v1/prs/${third}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(ChangeRequestInfo.parse(closed.body.data)).toMatchObject({ state: 'closed', merged_at: null });
    expect(closed.body.data.closed_at).toBeTruthy();
    expect(refs()).toBe(before);
    expect(refs()).toContain(`refs/heads/${branch}`);
    for (const res of [
      await as(mia).post(`/v1/prs/${third}/merge`),
      await as(mia).post(`/v1/prs/${third}/comments`, { body: 'hello?' }),
      await as(mia).post(`/v1/prs/${third}/close`),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('PR_NOT_OPEN');
    }
    expect(refs()).toBe(before);
  });

  it('answers each bad input with its typed error', async () => {
    const open = prs[1] as number;
    const cases: [string, Promise<{ status: number; body: any }>, number, string, string?][] = [
      ['an unknown PR', as(mia).get('/v1/prs/4242/comments'), 404, 'PR_NOT_FOUND'],
      ['an unknown PR (merge)', as(p.adminKey).post('/v1/prs/4242/merge'), 404, 'PR_NOT_FOUND'],
      ["another member's PR", as(bob).get(`/v1/prs/${open}/comments`), 404, 'PR_NOT_FOUND'],
      ["another member's PR (merge)", as(bob).post(`/v1/prs/${open}/merge`), 404, 'PR_NOT_FOUND'],
      [
        "another member's PR (review)",
        as(bob).post(`/v1/prs/${open}/reviews`, { verdict: 'approve' }),
        404,
        'PR_NOT_FOUND',
      ],
      [
        'a line not in the diff',
        as(mia).post(`/v1/prs/${open}/comments`, { body: 'x', path: 'ABCA_FAKE_CHANGE.md', line: 2 }),
        422,
        'LINE_NOT_IN_DIFF',
        'line',
      ],
      [
        'a file not in the diff',
        as(mia).post(`/v1/prs/${open}/comments`, { body: 'x', path: 'README.md', line: 1 }),
        422,
        'LINE_NOT_IN_DIFF',
        'line',
      ],
      [
        "a review's line not in the diff",
        as(mia).post(`/v1/prs/${open}/reviews`, {
          verdict: 'comment',
          body: 'x',
          comments: [
            { path: 'ABCA_FAKE_CHANGE.md', line: 1, body: 'ok' },
            { path: 'ABCA_FAKE_CHANGE.md', line: 9, body: 'no' },
          ],
        }),
        422,
        'LINE_NOT_IN_DIFF',
        'comments.1.line',
      ],
      [
        'an empty body',
        as(mia).post(`/v1/prs/${open}/comments`, { body: '   ' }),
        400,
        'VALIDATION_ERROR',
        'body',
      ],
      [
        'a path without a line',
        as(mia).post(`/v1/prs/${open}/comments`, { body: 'x', path: 'a' }),
        400,
        'VALIDATION_ERROR',
        'line',
      ],
      [
        'an empty request for changes',
        as(mia).post(`/v1/prs/${open}/reviews`, { verdict: 'request_changes' }),
        400,
        'VALIDATION_ERROR',
        'body',
      ],
      [
        'an unknown verdict',
        as(mia).post(`/v1/prs/${open}/reviews`, { verdict: 'lgtm' }),
        400,
        'VALIDATION_ERROR',
        'verdict',
      ],
      [
        'a reply to no comment',
        as(mia).post(`/v1/prs/${open}/comments`, { body: 'x', in_reply_to: 987654 }),
        404,
        'NOT_FOUND',
      ],
      ['resolving no thread', as(mia).post(`/v1/prs/${open}/comments/987654/resolve`), 404, 'NOT_FOUND'],
      ['a PR number that is not one', as(mia).post('/v1/prs/abc/merge'), 400, 'VALIDATION_ERROR', 'number'],
    ];
    for (const [name, pending, status, code, field] of cases) {
      const res = await pending;
      expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
      if (field)
        expect(
          res.body.error.details.map((d: { field: string }) => d.field),
          name,
        ).toContain(field);
    }
    // An unreachable remote: 503, typed, without the remote's path; nothing changed.
    const away = `${remote}.away`;
    renameSync(remote, away);
    try {
      const res = await as(mia).post(`/v1/prs/${open}/merge`);
      expect([res.status, res.body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect(res.body.error.message).not.toContain(remote);
    } finally {
      renameSync(away, remote);
    }
    expect((await as(mia).get(`/v1/prs/${open}?diff=false`)).body.data.state).toBe('open');
    // Nothing of that was stored.
    expect((await as(mia).get(`/v1/prs/${open}/comments`)).body.data).toEqual([]);
    expect((await as(mia).get(`/v1/prs/${open}/reviews`)).body.data).toEqual([]);
    expect((await as(mia).get('/v1/prs/4242/comments')).body.error.message).toMatch(/GitHub/);
  });

  it('one merged by hand on the remote (or before a crash recorded it) is marked merged, nothing pushed', async () => {
    const n = prs[1] as number;
    const pr = ChangeRequestInfo.parse((await as(mia).get(`/v1/prs/${n}?diff=false`)).body.data);
    // A developer resolves the conflict by hand and pushes the merge to main.
    const dev = mkdtempSync(join(tmpdir(), 'abca-prloop-dev-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dev, '-c', 'user.name=Dev', '-c', 'user.email=dev@localhost', ...args], {
        encoding: 'utf8',
      });
    try {
      execFileSync('git', ['clone', '-q', remote, dev]);
      git('merge', '-q', '-X', 'theirs', '-m', 'Merge by hand', `origin/${pr.branch}`);
      git('push', '-q', 'origin', 'HEAD:main');
    } finally {
      rmSync(dev, { recursive: true, force: true });
    }
    const before = refs();
    const merged = await as(mia).post(`/v1/prs/${n}/merge`);
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const main = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'refs/heads/main'], {
      encoding: 'utf8',
    }).trim();
    expect(PrMergeResult.parse(merged.body.data)).toMatchObject({
      already_merged: true,
      merge_commit: main,
      pr: { state: 'merged', head_commit: pr.head_commit },
    });
    expect(refs()).toBe(before);
  });

  it('a PR whose repo is no longer plain git is 404, pointing at the forge', async () => {
    const open = prs[1] as number;
    const moved = await p.request('PATCH', '/v1/repos/loop', { body: { forge: { kind: 'fake' } } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const res = await as(mia).post(`/v1/prs/${open}/comments`, { body: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('PR_NOT_FOUND');
    expect(res.body.error.message).toMatch(/now a fake repo/);
  });
});
