import type { FakeGitHub } from '@abca/fake-github';
import {
  createScriptedModelServer,
  type RecordedRequest,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { type GitHubWorld, startGitHubWorld } from './support/github-world.ts';
import type { TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * The learning loop end to end, on both forges, with nothing put in memory by hand: the real
 * platform (learning on, the PR watcher, the built-in agent), the scripted model over HTTP as the
 * agent's and the learning model. PR 1 gets a review comment from a writer; a rule is stored with
 * that comment as its source; task 2 on the same part of the repo has the rule in its prompt (the
 * model's request log) and lists it in its PR body; task 3 on an unrelated part does not get it.
 * On GitHub, the same comment from a reader (no write access) stores nothing.
 */
const RULE_TITLE = 'Greetings end with an exclamation mark';
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
let model: ScriptedModelServer;
let gh: FakeGitHub;
let p: TestPlatform;

const system = (r: RecordedRequest) =>
  JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? '');
const isKnowledge = (r: RecordedRequest) => system(r).includes('You extract durable facts');
const isRules = (r: RecordedRequest) => system(r).includes('You read code review comments');
const agentRequests = () => model.requests.filter((r) => !isKnowledge(r) && !isRules(r));

let world: GitHubWorld;
beforeAll(async () => {
  model = await createScriptedModelServer();
  // The learning model: no facts; a rule from each batch of comments, citing its first comment.
  model.onRequest((r) => {
    if (isKnowledge(r)) return reply().text('{"facts": []}');
    if (isRules(r)) {
      const id = /REVIEW COMMENT id=(\S+) by/.exec(JSON.stringify(r.body))?.[1] ?? 'none';
      return reply().text(
        JSON.stringify({
          comments: [{ id, category: 'style' }],
          rules: [
            {
              title: RULE_TITLE,
              body: 'Every greeting greet.js returns ends with "!".',
              category: 'style',
              from: [id],
              supersedes: null,
            },
          ],
        }),
      );
    }
    return undefined;
  });
  const files = { ...GREET_OK, 'math.js': 'export const add = (a, b) => a + b;\n' };
  // The watcher records the comments but starts no iteration: this file is about memory.
  const settings = { pr_watch: false };
  world = await startGitHubWorld({
    owner: 'acme',
    name: 'web',
    files,
    collaborators: { alice: 'write', rita: 'read' },
    settings,
    env: { ABCA_MEMORY_LEARNING: 'on', ABCA_PR_POLL_S: '1' },
    model,
  });
  ({ gh, p } = world);
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: 'mem', forge: { kind: 'git', url: makeRemote(files) }, settings },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
}, 180_000);
afterAll(async () => {
  await world?.close();
});

/** A task whose agent runs `command` and commits; resolves to the finished task. */
async function task(repo: string, description: string, command: string) {
  model.script(
    reply().tool('bash', { command: `${command} && git commit -qam '${description}'` }),
    reply().text('Done.'),
  );
  const created = await p.request('POST', '/v1/tasks', { body: { repo, task_description: description } });
  expect(created.status).toBe(201);
  const asked = agentRequests().length;
  const done = await p.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
  return { done, prompt: JSON.stringify(agentRequests()[asked]?.body) };
}

const rules = async (repo: string) =>
  (
    await p.platform.db.query(
      `SELECT id, title, citations FROM memory_records WHERE repo = $1 AND kind = 'review_rule'`,
      [repo],
    )
  ).rows as { id: string; title: string; citations: { kind: string; quote?: string; author?: string }[] }[];

/** Tasks 2 and 3: the rule reaches the task on greet.js, not the one on math.js. */
async function laterTasks(repo: string, prBody: (t: { pr_url: string; outcome: any }) => Promise<string>) {
  const two = await task(
    repo,
    'Add a farewell to greet.js',
    "echo 'export const farewell = (name) => name;' >> greet.js",
  );
  expect(two.prompt).toContain(RULE_TITLE);
  expect(two.prompt).toContain('UNTRUSTED MEMORY');
  expect(await prBody(two.done)).toContain(RULE_TITLE);
  const three = await task(
    repo,
    'Add subtract to math.js',
    "echo 'export const sub = (a, b) => a - b;' >> math.js",
  );
  expect(three.prompt).not.toContain(RULE_TITLE);
  expect(await prBody(three.done)).not.toContain(RULE_TITLE);
}

describe('the learning loop', () => {
  it("plain git: a writer's review comment becomes a rule that reaches the next task on that code, not an unrelated one", async () => {
    const one = await task('mem', 'Greet with Hi in greet.js', "sed -i 's/Hello/Hi/' greet.js greet.test.js");
    const n = one.done.outcome.pr.number as number;
    const review = await p.request('POST', `/v1/prs/${n}/reviews`, {
      body: {
        verdict: 'comment',
        body: 'One thing.',
        comments: [{ path: 'greet.js', line: 2, body: 'PLAIN-MARK: greetings always end with "!" here.' }],
      },
    });
    expect(review.status, JSON.stringify(review.body)).toBe(201);
    const [rule] = await until('the rule', async () => {
      const r = await rules('mem');
      return r.length > 0 ? r : undefined;
    });
    expect(rule?.title).toBe(RULE_TITLE);
    expect(rule?.citations).toContainEqual(
      expect.objectContaining({
        kind: 'review_comment',
        pr: n,
        quote: 'PLAIN-MARK: greetings always end with "!" here.',
      }),
    );
    const body = async (t: { outcome: any }) =>
      (await p.platform.db.query('SELECT body FROM change_requests WHERE number = $1', [t.outcome.pr.number]))
        .rows[0].body as string;
    await laterTasks('mem', body);
  }, 400_000);

  it("GitHub: a reader's comment stores nothing; the same comment from a writer becomes the rule the next task gets", async () => {
    const one = await task(
      'acme/web',
      'Greet with Hi in greet.js',
      "sed -i 's/Hello/Hi/' greet.js greet.test.js",
    );
    const n = one.done.outcome.pr.number as number;
    const text = 'GH-MARK: greetings always end with "!" here.';
    await gh.submitReview('acme', 'web', n, {
      reviewer: 'rita',
      event: 'COMMENT',
      body: '',
      comments: [{ path: 'greet.js', line: 2, body: text }],
    });
    // The reader's comment is recorded for the PR's outcome, and learned from: nothing.
    await until('the reader’s comment to be seen and passed over', async () => {
      const seen = await p.platform.db.query(
        `SELECT 1 FROM memory_learned l JOIN pr_review_comments c ON l.key = 'comment:' || c.watch_id || ':' || c.comment_id
          WHERE c.author = 'rita' AND l.result = 'not_writer'`,
      );
      return (seen.rowCount ?? 0) > 0 ? true : undefined;
    });
    expect(await rules('acme/web')).toEqual([]);
    await gh.submitReview('acme', 'web', n, {
      reviewer: 'alice',
      event: 'COMMENT',
      body: '',
      comments: [{ path: 'greet.js', line: 2, body: text }],
    });
    const [rule] = await until('the writer’s rule', async () => {
      const r = await rules('acme/web');
      return r.length > 0 ? r : undefined;
    });
    expect(rule?.citations).toContainEqual(
      expect.objectContaining({ kind: 'review_comment', author: 'alice', quote: text }),
    );
    const body = async (t: { outcome: any }) =>
      (gh.pulls('acme', 'web').find((x) => x.number === t.outcome.pr.number)?.body ?? '') as string;
    await laterTasks('acme/web', body);
  }, 400_000);
});
