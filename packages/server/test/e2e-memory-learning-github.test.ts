import type { FakeGitHub } from '@abca/fake-github';
import {
  createScriptedModelServer,
  type RecordedRequest,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubWorld, startGitHubWorld } from './support/github-world.ts';
import type { TestPlatform } from './support/platform.ts';
import { until } from './support/until.ts';

/**
 * Review rules on GitHub (the fake, a real HTTP server), with the real platform and the scripted
 * model: a reader's review comment on ABCA's PR stores nothing and costs no model call (the
 * collaborator permission API says so); a writer's comment becomes a rule citing it.
 */
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
let gh: FakeGitHub;
let model: ScriptedModelServer;
let p: TestPlatform;

const isRules = (r: RecordedRequest) =>
  JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? '').includes(
    'You read code review comments',
  );
const isKnowledge = (r: RecordedRequest) =>
  JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? '').includes(
    'You extract durable facts',
  );

let world: GitHubWorld;
beforeAll(async () => {
  model = await createScriptedModelServer();
  model.onRequest((r) => {
    if (isRules(r)) {
      const id = /REVIEW COMMENT id=(\S+) by/.exec(JSON.stringify(r.body))?.[1] ?? 'none';
      return reply().text(
        JSON.stringify({
          comments: [{ id, category: 'design' }],
          rules: [
            { title: 'Keep docs short', body: 'Keep each doc under a page.', category: 'design', from: [id] },
          ],
        }),
      );
    }
    if (isKnowledge(r)) return reply().text('{"facts": []}');
    return model.pending === 0 ? reply().text('Nothing to change.') : undefined;
  });
  world = await startGitHubWorld({
    owner: 'acme',
    name: 'web',
    files: { 'README.md': '# web\n' },
    collaborators: { alice: 'write', rita: 'read' },
    env: { ABCA_MEMORY_LEARNING: 'on', ABCA_PR_POLL_S: '1' },
    model,
  });
  ({ gh, p } = world);
}, 180_000);
afterAll(async () => {
  await world?.close();
});

const rules = async () =>
  (
    await p.platform.db.query(
      `SELECT id, title, citations FROM memory_records WHERE repo = 'acme/web' AND kind = 'review_rule'`,
    )
  ).rows;
const mark = async (body: string) =>
  (
    await p.platform.db.query(
      `SELECT m.result FROM pr_review_comments c JOIN memory_learned m ON m.key = 'comment:' || c.watch_id || ':' || c.comment_id
        WHERE c.body = $1`,
      [body],
    )
  ).rows[0]?.result as string | undefined;

describe('review rules on GitHub', () => {
  it('a reader’s comment stores nothing; a writer’s becomes a rule with that comment as its source', async () => {
    model.script(
      reply().tool('write_file', { path: 'DOCS.md', content: 'Docs.\n' }),
      reply().tool('bash', { command: 'git add DOCS.md && git commit -qm "Add DOCS.md"' }),
      reply().text('Added DOCS.md.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/web', task_description: 'Add DOCS.md' },
    });
    expect(created.status).toBe(201);
    const done = await p.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const pr = done.outcome.pr.number as number;

    await gh.submitReview('acme', 'web', pr, {
      reviewer: 'rita',
      event: 'COMMENT',
      body: 'A thought.',
      comments: [{ path: 'DOCS.md', line: 1, body: 'READER-MARK: keep docs short' }],
    });
    expect(await until('the reader’s comment to be read', () => mark('READER-MARK: keep docs short'))).toBe(
      'not_writer',
    );
    expect(model.requests.filter(isRules)).toHaveLength(0);
    expect(await rules()).toHaveLength(0);

    await gh.submitReview('acme', 'web', pr, {
      reviewer: 'alice',
      event: 'COMMENT',
      body: 'A rule.',
      comments: [{ path: 'DOCS.md', line: 1, body: 'WRITER-MARK: keep docs short' }],
    });
    const [rule] = await until('the writer’s rule', async () => {
      const rows = await rules();
      return rows.length > 0 ? rows : undefined;
    });
    expect(rule.title).toBe('Keep docs short');
    expect(rule.citations).toEqual([
      expect.objectContaining({
        kind: 'review_comment',
        pr,
        author: 'alice',
        quote: 'WRITER-MARK: keep docs short',
      }),
    ]);
    // Only the writer's comment went to the model.
    const sent = JSON.stringify(model.requests.filter(isRules).map((r) => r.body));
    expect(sent).toContain('WRITER-MARK');
    expect(sent).not.toContain('READER-MARK');
  }, 300_000);
});
