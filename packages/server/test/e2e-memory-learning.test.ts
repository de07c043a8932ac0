import {
  createScriptedModelServer,
  type RecordedRequest,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { openPrWithTask } from './support/pr-iteration-world.ts';
import { until } from './support/until.ts';

/**
 * Memory's writers on the real platform (PostgreSQL, bubblewrap, the built-in agent, the PR
 * watcher), plain git, the scripted model over HTTP as both the agent's and the learning model: a
 * task ends → its episode and the repo knowledge the model answers; a person's review comment on
 * ABCA's PR (through the API) → a review rule with that comment as its source; a later comment
 * whose rule contradicts it → it is superseded; an unparseable answer → `memory.learning_failed`.
 */
let model: ScriptedModelServer;
let p: TestPlatform;

const system = (r: RecordedRequest) =>
  JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? '');
const isKnowledge = (r: RecordedRequest) => system(r).includes('You extract durable facts');
const isRules = (r: RecordedRequest) => system(r).includes('You read code review comments');
/** What the learning model answers next, by step (the agent's requests go to the script). */
const answers: { knowledge: string[]; rules: string[] } = { knowledge: [], rules: [] };

beforeAll(async () => {
  model = await createScriptedModelServer();
  model.onRequest((r) => {
    if (isKnowledge(r)) return reply().text(answers.knowledge.shift() ?? '{"facts": []}');
    if (isRules(r)) return reply().text(answers.rules.shift() ?? '{"comments": [], "rules": []}');
    // The iterations the watcher starts on a review: nothing to do.
    if (model.pending === 0) return reply().text('Nothing to change.');
    return undefined;
  });
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_MEMORY_LEARNING: 'on',
    ABCA_PR_POLL_S: '1',
  });
  const added = await p.request('POST', '/v1/repos', {
    body: {
      repo: 'mem',
      forge: { kind: 'git', url: makeRemote(GREET_OK) },
      settings: { test_command: 'node --test' },
    },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

const memory = async (kind: string): Promise<any[]> =>
  (
    await p.platform.db.query(
      `SELECT id, title, body, citations, provenance, superseded_by FROM memory_records WHERE repo = 'mem' AND kind = $1 ORDER BY created_at`,
      [kind],
    )
  ).rows;
const eventsOf = async (taskId: string) =>
  (await p.platform.db.query(`SELECT type, data FROM task_events WHERE task_id = $1 ORDER BY seq`, [taskId]))
    .rows as {
    type: string;
    data: Record<string, unknown>;
  }[];

describe('memory’s writers on plain git', () => {
  let taskId: string;
  let prNumber: number;

  it('a finished task: its episode (files from the host’s capture) and the knowledge the model answered', async () => {
    answers.knowledge.push(
      JSON.stringify({
        facts: [
          {
            title: 'Tests run with node --test',
            body: 'Run `node --test` at the root.',
            citations: [{ path: 'greet.test.js' }],
          },
        ],
      }),
    );
    const done = await openPrWithTask(p, model, 'mem');
    taskId = done.task_id;
    prNumber = done.outcome.pr.number;
    expect(done.outcome.files).toEqual(['greet.js', 'greet.test.js']);
    const knowledge = await until('the knowledge record', async () => {
      const rows = await memory('repo_knowledge');
      return rows.length > 0 ? rows : undefined;
    });
    expect(knowledge[0]).toMatchObject({
      title: 'Tests run with node --test',
      provenance: { source: 'learning', task_id: taskId, model: 'openai-compatible:scripted' },
    });
    const episodes = await memory('episode');
    expect(episodes).toHaveLength(1);
    expect(episodes[0].body).toContain('Files touched: greet.js, greet.test.js');
    expect(episodes[0].body).toContain('Done: Greets with Hi now.');
    expect(episodes[0].citations).toContainEqual({ kind: 'task', task_id: taskId });
    const types = (await eventsOf(taskId)).map((e) => e.type);
    expect(types.filter((t) => t === 'memory.written')).toHaveLength(2);
    expect(types).toContain('memory.learned');
    // The task itself ended as it would have.
    expect((await p.request('GET', `/v1/tasks/${taskId}`)).body.data.status).toBe('COMPLETED');
  }, 240_000);

  it('a review comment on ABCA’s PR → a rule citing it; a contradicting one supersedes it', async () => {
    const ruleFrom = (id: string, title: string, supersedes: string | null = null) =>
      JSON.stringify({
        comments: [{ id, category: 'style' }],
        rules: [{ title, body: `${title}.`, category: 'style', from: [id], supersedes }],
      });
    const comment = async (body: string) => {
      const review = await p.request('POST', `/v1/prs/${prNumber}/reviews`, {
        body: { verdict: 'comment', body: 'A note.', comments: [{ path: 'greet.js', line: 2, body }] },
      });
      expect(review.status, JSON.stringify(review.body)).toBe(201);
      return until('the watcher to record the comment', async () => {
        const rows = (
          await p.platform.db.query(
            `SELECT c.comment_id FROM pr_review_comments c JOIN pr_watches w ON w.id = c.watch_id
              WHERE w.repo = 'mem' AND c.body = $1`,
            [body],
          )
        ).rows;
        return rows[0]?.comment_id as string | undefined;
      });
    };
    // The rules call is answered once it comes, with the comment's own id.
    model.onRequest((r) => {
      if (isRules(r)) {
        const id = /REVIEW COMMENT id=(\S+) by/.exec(JSON.stringify(r.body))?.[1] ?? 'none';
        const next = answers.rules.shift() ?? '{"comments": [], "rules": []}';
        return reply().text(next.replaceAll('CID', id));
      }
      if (isKnowledge(r)) return reply().text('{"facts": []}');
      return model.pending === 0 ? reply().text('Nothing to change.') : undefined;
    });
    answers.rules.push(ruleFrom('CID', 'Indent with tabs'));
    await comment('RULE-ONE: we indent with tabs here');
    const [first] = await until('the first rule', async () => {
      const rows = await memory('review_rule');
      return rows.length > 0 ? rows : undefined;
    });
    expect(first.citations).toEqual([
      expect.objectContaining({
        kind: 'review_comment',
        pr: prNumber,
        quote: 'RULE-ONE: we indent with tabs here',
      }),
    ]);
    expect(first.provenance).toMatchObject({ source: 'review', task_id: taskId });

    answers.rules.push(ruleFrom('CID', 'Indent with two spaces', first.id));
    await comment('RULE-TWO: two spaces now, not tabs');
    const rules = await until('the second rule to supersede the first', async () => {
      const rows = await memory('review_rule');
      return rows.length === 2 && rows[0].superseded_by ? rows : undefined;
    });
    expect(rules[0].superseded_by).toBe(rules[1].id);
    expect(rules[1].title).toBe('Indent with two spaces');
    // The events follow the records.
    const written = await until('both rules’ events', async () => {
      const rows = (await eventsOf(taskId)).filter(
        (e) => e.type === 'memory.written' && e.data.kind === 'review_rule',
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(written.map((e) => e.data.supersedes)).toEqual([null, first.id]);
  }, 240_000);

  it('an unparseable answer → memory.learning_failed on the PR’s task, no rule, the task unchanged', async () => {
    answers.rules.push('Sure, I will remember that!');
    const review = await p.request('POST', `/v1/prs/${prNumber}/reviews`, {
      body: {
        verdict: 'comment',
        body: 'x',
        comments: [{ path: 'greet.js', line: 2, body: 'RULE-THREE: prefer const' }],
      },
    });
    expect(review.status).toBe(201);
    const failed = await until('the failure event', async () =>
      (await eventsOf(taskId)).find(
        (e) => e.type === 'memory.learning_failed' && e.data.what === 'review_rules',
      ),
    );
    expect(failed.data).toMatchObject({
      message: 'the answer is not JSON',
      raw: 'Sure, I will remember that!',
    });
    expect(await memory('review_rule')).toHaveLength(2);
    expect((await p.request('GET', `/v1/tasks/${taskId}`)).body.data.status).toBe('COMPLETED');
  }, 120_000);
});
