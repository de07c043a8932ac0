import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChangeRequestComment, listChangeRequestComments } from '../src/store/change-requests.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import {
  branchHead,
  finished,
  git,
  openPrWithTask,
  pushAsPerson,
  reviewWithTwoComments,
  submitIteration,
} from './support/pr-iteration-world.ts';

/**
 * `coding/pr-iteration-v1` end to end on plain git: the real platform (PostgreSQL, bubblewrap,
 * the built-in agent), a scripted model over HTTP, a bare git remote. A new task opens a PR; a
 * person reviews it; an iteration pushes one commit to the same branch, answers and resolves the
 * threads, and rewrites the PR body's validation section — and the bad-input cases end typed with
 * nothing pushed.
 */
let model: ScriptedModelServer;
let p: TestPlatform;
let remote: string;
let pr: { number: number; branch: string; url: string };

/** An agent that waits at `.gate` in its workspace (the test opens it), then commits a change. */
const gatedChange = (file: string) =>
  reply().tool('bash', {
    command: `while [ ! -e .gate ]; do sleep 0.1; done; rm .gate; echo changed >> ${file} && git add ${file} && git commit -qm 'Change ${file}'`,
  });

async function atGate(taskId: string): Promise<void> {
  await p.waitForEvent(taskId, (e) => e.type === 'agent.tool_started', 120_000);
}
function openGate(taskId: string): void {
  const dir = join(p.home, 'workspaces', taskId.toLowerCase());
  if (!existsSync(dir)) throw new Error(`no workspace at ${dir}`);
  writeFileSync(join(dir, '.gate'), '');
}
const setState = (state: string) =>
  p.platform.db.query('UPDATE change_requests SET state = $1 WHERE number = $2', [state, pr.number]);

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
  });
  remote = makeRemote({ ...GREET_OK, 'NOTES.md': 'notes\n' });
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'iter', forge: { kind: 'git', url: remote } },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  // This file submits its PR tasks by hand: the PR watcher, which would start its own, is off.
  const patched = await p.request('PATCH', '/v1/repos/iter', {
    body: { settings: { test_command: 'node --test', validation_mode: 'regression_only', pr_watch: false } },
  });
  expect(patched.status).toBe(200);
  const origin = await openPrWithTask(p, model, 'iter');
  pr = { number: origin.outcome.pr.number, branch: origin.branch_name, url: origin.pr_url };
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

describe('an iteration on a plain-git PR', () => {
  it('pushes one commit to the same branch, answers and resolves both threads, updates the body: one PR', async () => {
    const before = branchHead(remote, pr.branch) as string;
    await reviewWithTwoComments(p.platform.db, pr.number);
    // A comment on a file the PR's head does not have: it still goes in, and gets no reply.
    await addChangeRequestComment(p.platform.db, {
      number: pr.number,
      author: 'bob',
      body: 'Was removed.js meant to go?',
      path: 'removed.js',
      line: 3,
    });
    await addChangeRequestComment(p.platform.db, {
      number: pr.number,
      author: 'bob',
      body: 'Also: keep the README short.',
    });
    const requestsBefore = model.requests.length;
    model.script(
      reply().tool('bash', {
        command:
          "sed -i 's/Hi, /HI, /' greet.js && sed -i 's/Hi, Ada/HI, Ada/' greet.test.js && git commit -qam 'Address the review'",
      }),
      reply().text(
        [
          'Addressed the review.',
          'T1: Greets in capitals now (HI).',
          'T2: The test covers the new greeting.',
          'T7: not a thread of this PR',
        ].join('\n'),
      ),
    );
    const id = await submitIteration(p, 'iter', pr.number);
    const done = await finished(p, id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.branch_name).toBe(pr.branch);

    // One new commit on the same branch, on top of the PR's head.
    const after = branchHead(remote, pr.branch) as string;
    expect(git(remote, 'rev-list', '--count', `${before}..${after}`)).toBe('1');
    expect(git(remote, 'rev-parse', `${after}^`)).toBe(before);
    expect(git(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/').split('\n')).toHaveLength(2);

    // One PR throughout, the iteration's task pointing at it.
    const prs = await p.platform.db.query('SELECT number, body, head_commit FROM change_requests');
    expect(prs.rows).toHaveLength(1);
    expect(done.pr_url).toBe(pr.url);
    expect(prs.rows[0].head_commit).toBe(after);

    // Each named thread: one reply saying what changed (with the commit), resolved; the others untouched.
    const comments = await listChangeRequestComments(p.platform.db, pr.number);
    const roots = comments.filter((c) => c.path !== null && c.inReplyTo === null);
    expect(roots.map((c) => c.path)).toEqual(['greet.js', 'greet.test.js', 'removed.js']);
    const repliesTo = (id: number) => comments.filter((c) => c.inReplyTo === id);
    const [t1, t2, t3] = roots as [(typeof roots)[0], (typeof roots)[0], (typeof roots)[0]];
    expect(repliesTo(t1.id)).toHaveLength(1);
    expect(repliesTo(t1.id)[0]?.body).toContain('Greets in capitals now (HI).');
    expect(repliesTo(t1.id)[0]?.body).toContain(after.slice(0, 12));
    expect(repliesTo(t2.id)[0]?.body).toContain('The test covers the new greeting.');
    expect(repliesTo(t2.id)).toHaveLength(1);
    expect(repliesTo(t3.id)).toHaveLength(0);
    expect([t1.resolved, t2.resolved, t3.resolved]).toEqual([true, true, false]);
    expect(JSON.stringify(comments)).not.toContain('not a thread of this PR');

    // The body: the first task's summary kept, the validation and cost section rewritten.
    const body = prs.rows[0].body as string;
    expect(body).toContain('Greets with Hi now.');
    expect(body).toContain('### Validation (regression_only): passed');
    expect(body).toContain('2 tasks (1 iteration; latest');
    expect(body.split('<!-- abca:validation -->')).toHaveLength(2);

    // The prompt held the threads with their ids and the code around them, and the new comment.
    const prompt = JSON.stringify(model.requests[requestsBefore]?.body);
    expect(prompt).toContain('[T1] greet.js:2');
    expect(prompt).toContain('[T2] greet.test.js:5');
    expect(prompt).toContain('[T3] removed.js:3');
    expect(prompt).toContain('no longer exists at the head');
    expect(prompt).toContain('export function greet(name) {');
    expect(prompt).toContain('Add a test for a second name.');
    expect(prompt).toContain('Also: keep the README short.');
    expect(prompt).toContain('do not open a new pull request');

    const events = await p.allEvents(id);
    const of = (type: string) => events.filter((e) => e.type === type);
    expect(of('pr.iteration_context')[0]?.data).toMatchObject({
      pull_request: pr.number,
      threads: 3,
      conversation: 1,
      failing_checks: 0,
    });
    expect(of('pr.iteration_context')[0]?.data.since).not.toBeNull();
    expect(of('pr.thread_replied').map((e) => [e.data.thread, e.data.resolved])).toEqual([
      ['T1', true],
      ['T2', true],
    ]);
    expect(of('finalization.pushed')).toHaveLength(1);
    expect(of('finalization.pr_opened')).toHaveLength(0);
    expect(of('pr.body_updated')[0]?.data).toEqual({ pull_request: pr.number, tasks: 2 });
  }, 180_000);

  it('answers a question without a change: replies, leaves the thread open, pushes nothing', async () => {
    const before = branchHead(remote, pr.branch);
    model.script(reply().text('No change needed.\nT1: removed.js was never part of this change.'));
    const id = await submitIteration(p, 'iter', pr.number);
    const done = await finished(p, id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(branchHead(remote, pr.branch)).toBe(before);
    const comments = await listChangeRequestComments(p.platform.db, pr.number);
    const root = comments.find((c) => c.path === 'removed.js' && c.inReplyTo === null);
    const replies = comments.filter((c) => c.inReplyTo === root?.id);
    expect(replies.map((c) => c.body)).toEqual([expect.stringContaining('never part of this change')]);
    expect(root?.resolved).toBe(false);
  }, 120_000);

  it('ends PR_NOT_OPEN with nothing done when the PR was closed before the task started', async () => {
    await setState('closed');
    try {
      const requests = model.requests.length;
      const id = await submitIteration(p, 'iter', pr.number);
      const done = await finished(p, id);
      expect(done.status).toBe('FAILED');
      expect(done.error.code).toBe('PR_NOT_OPEN');
      expect(model.requests.length).toBe(requests);
    } finally {
      await setState('open');
    }
  }, 120_000);

  it('ends PR_NOT_OPEN with nothing pushed when the PR was merged while the agent worked', async () => {
    const before = branchHead(remote, pr.branch);
    const replies = (await listChangeRequestComments(p.platform.db, pr.number)).length;
    model.script(gatedChange('NOTES.md'), reply().text('T1: done'));
    const id = await submitIteration(p, 'iter', pr.number);
    await atGate(id);
    await setState('merged');
    try {
      openGate(id);
      const done = await finished(p, id);
      expect(done.status).toBe('FAILED');
      expect(done.error.code).toBe('PR_NOT_OPEN');
      expect(branchHead(remote, pr.branch)).toBe(before);
      expect((await listChangeRequestComments(p.platform.db, pr.number)).length).toBe(replies);
    } finally {
      await setState('open');
    }
  }, 120_000);

  it('rebases onto what someone pushed meanwhile, in a host repository, and pushes fast-forward', async () => {
    model.script(gatedChange('NOTES.md'), reply().text('T1: done'));
    const id = await submitIteration(p, 'iter', pr.number);
    await atGate(id);
    const theirs = pushAsPerson(remote, pr.branch, 'THEIRS.md', 'a person was here\n');
    openGate(id);
    const done = await finished(p, id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const head = branchHead(remote, pr.branch) as string;
    expect(git(remote, 'rev-parse', `${head}^`)).toBe(theirs);
    expect(git(remote, 'show', `${head}:THEIRS.md`)).toBe('a person was here');
    expect(git(remote, 'show', `${head}:NOTES.md`)).toContain('changed');
    expect(git(remote, 'log', '-1', '--format=%s', head)).toBe('Change NOTES.md');
    const pushed = (await p.allEvents(id)).filter((e) => e.type === 'finalization.pushed');
    expect(pushed.map((e) => e.data)).toEqual([
      { branch: pr.branch, commit: head, commits: 1, rebased: true },
    ]);
  }, 120_000);

  it('ends PUSH_CONFLICT with nothing pushed when what someone pushed meanwhile conflicts', async () => {
    model.script(gatedChange('NOTES.md'), reply().text('T1: done'));
    const id = await submitIteration(p, 'iter', pr.number);
    await atGate(id);
    const theirs = pushAsPerson(remote, pr.branch, 'NOTES.md', 'rewritten by a person\n');
    openGate(id);
    const done = await finished(p, id);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('PUSH_CONFLICT');
    expect(done.error.message).toContain(theirs.slice(0, 12));
    expect(done.error.message).toContain('conflicts');
    expect(branchHead(remote, pr.branch)).toBe(theirs);
  }, 120_000);

  it('ends PUSH_CONFLICT with nothing pushed when the branch was force-pushed meanwhile', async () => {
    model.script(gatedChange('NOTES.md'), reply().text('T1: done'));
    const id = await submitIteration(p, 'iter', pr.number);
    await atGate(id);
    // The branch rewritten to another history (the default branch's head): a force-push.
    const rewritten = git(remote, 'rev-parse', 'refs/heads/main');
    git(remote, 'update-ref', `refs/heads/${pr.branch}`, rewritten);
    openGate(id);
    const done = await finished(p, id);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('PUSH_CONFLICT');
    expect(done.error.message).toContain('rewritten');
    expect(branchHead(remote, pr.branch)).toBe(rewritten);
  }, 120_000);

  it('ends PR_BRANCH_GONE with nothing pushed when the branch was deleted meanwhile', async () => {
    model.script(gatedChange('NOTES.md'), reply().text('T1: done'));
    const id = await submitIteration(p, 'iter', pr.number);
    await atGate(id);
    git(remote, 'update-ref', '-d', `refs/heads/${pr.branch}`);
    openGate(id);
    const done = await finished(p, id);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('PR_BRANCH_GONE');
    expect(branchHead(remote, pr.branch)).toBeUndefined();

    // And an iteration submitted on the deleted branch stops before the agent.
    const requests = model.requests.length;
    const next = await finished(p, await submitIteration(p, 'iter', pr.number));
    expect(next.error?.code).toBe('PR_BRANCH_GONE');
    expect(model.requests.length).toBe(requests);
  }, 120_000);
});
