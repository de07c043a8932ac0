import { execFileSync } from 'node:child_process';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinRuntime } from '../src/adapters/agent-runtime/builtin.ts';
import {
  getChangeRequest,
  listChangeRequestComments,
  listChangeRequestReviews,
  updateChangeRequest,
} from '../src/store/change-requests.ts';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * `coding/pr-review-v1` end to end on plain git: the real platform (PostgreSQL, bubblewrap, the
 * built-in agent) and the scripted model over HTTP. A review of the PR an earlier task opened is
 * stored as ONE review with its line comments — the one outside the diff moved into its body —
 * and nothing is pushed; an answer that is not a review is asked for once more, then fails typed.
 */
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
const SECRET = 'sk-ant-review-e2e-secret-9f3b2c';
const LIB = `${Array.from({ length: 30 }, (_, i) => `export const v${i + 1} = ${i + 1};`).join('\n')}\n`;
let model: ScriptedModelServer;
let p: TestPlatform;
let remote: string;
let pr: { number: number; url: string; branch: string };

const remoteHead = (branch: string) =>
  execFileSync('git', ['-C', remote, 'rev-parse', `refs/heads/${branch}`], { encoding: 'utf8' }).trim();
const remoteBranches = () =>
  execFileSync('git', ['-C', remote, 'for-each-ref', '--format=%(refname)', 'refs/heads'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .sort();

const fenced = (value: unknown) =>
  `Here is my review.\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

async function review(extra: Record<string, unknown> = {}): Promise<{ task: any; events: any[] }> {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo: 'lib', workflow_ref: 'coding/pr-review-v1', pr_number: pr.number, ...extra },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const task = await p.waitFor(created.body.data.task_id, (t) => DONE.includes(t.status), 120_000);
  return { task, events: await p.allEvents(task.task_id) };
}

beforeAll(async () => {
  model = await createScriptedModelServer();
  remote = makeRemote({ 'lib.js': LIB, '.abca/config.yaml': 'test_command: "true"\n' });
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    // A secret the platform holds: never in an event or a posted review.
    ANTHROPIC_API_KEY: SECRET,
  });
  // This file submits its PR tasks by hand: the PR watcher, which would start its own, is off.
  const repo = await p.request('POST', '/v1/repos', {
    body: { repo: 'lib', forge: { kind: 'git', url: remote }, settings: { pr_watch: false } },
  });
  expect(repo.status, JSON.stringify(repo.body)).toBe(201);
  // The PR under review, opened by an earlier task: line 3 of lib.js changes.
  model.script(
    reply().tool('bash', {
      command: `sed -i 's/v3 = 3/v3 = 33/' lib.js && git commit -qam "Change v3"`,
    }),
    reply().text('Changed v3.'),
  );
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo: 'lib', task_description: 'Change v3' },
  });
  const done = await p.waitFor(created.body.data.task_id, (t) => DONE.includes(t.status), 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  const prs = (await p.request('GET', `/v1/prs?task_id=${done.task_id}`)).body.data;
  expect(prs).toHaveLength(1);
  pr = { number: prs[0].number, url: done.pr_url, branch: done.branch_name };
  model.reset();
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

describe('a review of a plain-git pull request', () => {
  it('stores one review with its line comments, moves the one outside the diff, pushes nothing', async () => {
    const head = remoteHead(pr.branch);
    const branches = remoteBranches();
    model.script(
      reply().tool('bash', { command: 'sed -n 1,6p lib.js && git log --oneline -2' }),
      reply().text(
        fenced({
          summary: 'Changes v3 from 3 to 33.',
          verdict: 'request_changes',
          comments: [
            { path: 'lib.js', line: 3, body: 'Why 33? Nothing says.' },
            { path: 'lib.js', line: 25, body: 'v25 should change too.' },
          ],
        }),
      ),
    );
    const { task, events } = await review();
    expect(task.status, JSON.stringify(task.error)).toBe('COMPLETED');
    expect(task.pr_url).toBe(pr.url);
    expect(task.outcome.review).toMatchObject({ verdict: 'request_changes', comments: 1, moved: 1 });

    // The agent was asked for a review of the fenced diff, with the answer's format.
    const first = model.requests[0]?.rawBody ?? '';
    expect(first).toContain(`review pull request #${pr.number}`);
    expect(first).toContain('<<<UNTRUSTED DIFF');
    expect(first).toContain('+export const v3 = 33;');
    expect(first).toContain('\\"verdict\\": \\"comment | approve | request_changes\\"');

    const reviews = (await listChangeRequestReviews(p.platform.db, pr.number)).filter(
      (r) => r.taskId === task.task_id,
    );
    expect(reviews).toHaveLength(1);
    const [stored] = reviews;
    expect(stored?.verdict).toBe('request_changes');
    expect(stored?.body).toContain('Changes v3 from 3 to 33.');
    expect(stored?.body).toContain('### Comments outside the diff');
    expect(stored?.body).toContain('- `lib.js:25`: v25 should change too.');
    const lineComments = (await listChangeRequestComments(p.platform.db, pr.number)).filter(
      (c) => c.reviewId === stored?.id,
    );
    expect(lineComments.map((c) => [c.path, c.line, c.body])).toEqual([
      ['lib.js', 3, 'Why 33? Nothing says.'],
    ]);

    const posted = events.filter((e) => e.type === 'review.posted');
    expect(posted).toHaveLength(1);
    expect(posted[0].data).toMatchObject({ pull_request: pr.number, comments: 1, moved: 1 });
    // Nothing pushed: the branch is where it was, no new branch, still one PR.
    expect(events.filter((e) => e.type.startsWith('finalization.'))).toEqual([]);
    // The sandbox's work is not taken out for a push.
    expect(events.filter((e) => e.type === 'workspace.checkpoint_saved')).toEqual([]);
    expect(remoteHead(pr.branch)).toBe(head);
    expect(remoteBranches()).toEqual(branches);
    const count = await p.platform.db.query('SELECT count(*)::int AS n FROM change_requests');
    expect(count.rows[0].n).toBe(1);
  }, 180_000);

  it('asks once more when the answer is not a review, then posts the valid one', async () => {
    model.reset();
    model.script(
      reply().text('Looks good to me!'),
      reply().text(JSON.stringify({ summary: 'Fine on second look.', verdict: 'approve' })),
    );
    const { task, events } = await review();
    expect(task.status, JSON.stringify(task.error)).toBe('COMPLETED');
    const invalid = events.filter((e) => e.type === 'review.output_invalid');
    expect(invalid).toHaveLength(1);
    expect(invalid[0].data).toMatchObject({ attempt: 1, raw: 'Looks good to me!', will_retry: true });
    expect(events.filter((e) => e.type === 'review.retry')).toHaveLength(1);
    // The second model call resumed the same conversation, told what was wrong.
    expect(model.requests).toHaveLength(2);
    const again = model.requests[1]?.rawBody ?? '';
    expect(again).toContain('Looks good to me!');
    expect(again).toContain('Your last answer is not a valid review');
    expect(again).toContain('no JSON object found in the answer');
    const reviews = (await listChangeRequestReviews(p.platform.db, pr.number)).filter(
      (r) => r.taskId === task.task_id,
    );
    expect(reviews.map((r) => [r.verdict, r.body])).toEqual([['approve', 'Fine on second look.']]);
    expect(task.outcome.review).toMatchObject({ verdict: 'approve', comments: 0, moved: 0 });
  }, 180_000);

  it('fails REVIEW_OUTPUT_INVALID after two answers that are not reviews, the raw text kept', async () => {
    model.reset();
    model.script(
      reply().text('Not JSON at all.'),
      reply().text(`{"summary": "Uses ${SECRET}", "verdict": "lgtm"}`),
    );
    const { task, events } = await review();
    expect(task.status).toBe('FAILED');
    expect(task.error.code).toBe('REVIEW_OUTPUT_INVALID');
    const invalid = events.filter((e) => e.type === 'review.output_invalid');
    expect(invalid.map((e) => [e.data.attempt, e.data.will_retry])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(invalid[1].data.error).toMatch(/verdict/);
    expect(invalid[1].data.raw).toContain('"verdict": "lgtm"');
    expect(JSON.stringify(events)).not.toContain(SECRET);
    const reviews = (await listChangeRequestReviews(p.platform.db, pr.number)).filter(
      (r) => r.taskId === task.task_id,
    );
    expect(reviews).toEqual([]);
  }, 180_000);

  it('a run that hit its turn limit without a review ends with the limit, not asked again', async () => {
    model.reset();
    model.script(reply().tool('bash', { command: 'cat lib.js' }), reply().text('Out of turns, no review.'));
    const { task, events } = await review({ max_turns: 1 });
    expect(task.status).toBe('FAILED');
    expect(task.error.code).toBe('MAX_TURNS_REACHED');
    expect(model.requests).toHaveLength(2);
    const invalid = events.filter((e) => e.type === 'review.output_invalid');
    expect(invalid.map((e) => [e.data.raw, e.data.will_retry])).toEqual([
      ['Out of turns, no review.', false],
    ]);
    expect(events.filter((e) => e.type === 'review.retry')).toEqual([]);
  }, 180_000);

  it("reopening a finished run adds the message once, however often it is repeated (a crash's re-run)", async () => {
    const runtime = createBuiltinRuntime({
      db: p.platform.db,
      model: 'openai-compatible:scripted',
      providers: { credentials: {}, baseUrls: {} },
      configuredProviders: [],
      secrets: [SECRET],
      wallTimeMs: 60_000,
    });
    const transcript = async (id: string) =>
      (await p.platform.db.query('SELECT transcript FROM agent_transcripts WHERE task_id = $1', [id])).rows[0]
        ?.transcript;
    const last = (
      await p.platform.db.query(
        "SELECT task_id FROM tasks WHERE status = 'FAILED' ORDER BY created_at DESC LIMIT 1",
      )
    ).rows[0].task_id;
    const before = await transcript(last);
    expect(before.status).toBe('finished');
    expect(await runtime.reopen?.(last, `Try again, ${SECRET}`)).toBe(true);
    expect(await runtime.reopen?.(last, `Try again, ${SECRET}`)).toBe(true);
    const after = await transcript(last);
    expect(after.status).toBe('running');
    expect(after.outcome).toBeUndefined();
    expect(after.messages.slice(before.messages.length)).toEqual([
      { role: 'user', content: 'Try again, [REDACTED]' },
    ]);
    expect(await runtime.reopen?.('01NOSUCHTASK', 'x')).toBe(false);
  });

  it('a review of a merged pull request fails PR_NOT_OPEN and asks the model nothing', async () => {
    model.reset();
    await updateChangeRequest(p.platform.db, 'lib', pr.number, { state: 'merged' });
    expect((await getChangeRequest(p.platform.db, pr.number))?.state).toBe('merged');
    const { task } = await review();
    expect(task.status).toBe('FAILED');
    expect(task.error.code).toBe('PR_NOT_OPEN');
    expect(model.requests).toHaveLength(0);
  }, 120_000);
});
