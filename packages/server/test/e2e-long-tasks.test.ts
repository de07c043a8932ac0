import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Long tasks through the whole platform: the built-in agent in a bubblewrap sandbox, a scripted
 * model over real HTTP (Anthropic Messages), a small configured context window, the fake forge.
 * Whatever stops a run, its work ends in a draft PR that says why.
 */
let model: ScriptedModelServer;
let p: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-long-tasks-key',
    ABCA_MODEL_CONTEXT_TOKENS: '8000',
  });
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/long', forge: { kind: 'fake' } } });
});
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});
beforeEach(() => model.reset());

const ENDED = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

async function submit(description: string) {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo: 'acme/long', task_description: description },
  });
  expect(created.status).toBe(201);
  const taskId = created.body.data.task_id as string;
  const done = await p.waitFor(taskId, (t) => ENDED.includes(t.status), 90_000);
  const events = (await p.request('GET', `/v1/tasks/${taskId}/events?limit=100`)).body.data as Array<{
    type: string;
    data: Record<string, any>;
  }>;
  return { done, events };
}

async function pullBody(url: string): Promise<{ body: string; draft: boolean }> {
  const number = Number(url.split('/').pop());
  const rows = await p.platform.db.query<{ body: string; draft: boolean }>(
    'SELECT body, draft FROM fake_forge_pulls WHERE number = $1',
    [number],
  );
  return rows.rows[0] as { body: string; draft: boolean };
}

const isCompaction = (body: unknown) =>
  JSON.stringify(body).includes('Write a summary the agent will continue from');

// Each task runs in a real sandbox with several model calls: generous on a busy machine.
describe('long tasks', { timeout: 150_000 }, () => {
  it('a run that overflows the configured window is compacted and completes with its PR', async () => {
    model.script(
      reply().tool('bash', { command: 'seq 1 3000' }).usage({ input: 2000, output: 10 }),
      reply().tool('bash', { command: 'seq 3001 6000' }).usage({ input: 6000, output: 10 }),
      reply().text('SUMMARY: listed numbers; next, write done.txt.').usage({ input: 3000, output: 20 }),
      reply().tool('write_file', { path: 'done.txt', content: 'done\n' }).usage({ input: 2500, output: 10 }),
      reply()
        .tool('bash', { command: 'git add done.txt && git commit -q -m "Add done.txt"' })
        .usage({ input: 2600, output: 10 }),
      reply().text('Wrote done.txt.').usage({ input: 2700, output: 5 }),
    );
    const { done, events } = await submit('Count, then write done.txt');

    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Add done.txt']);
    expect(isCompaction(model.requests[2]?.body)).toBe(true);
    const compacted = events.filter((e) => e.type === 'agent.context_compacted');
    expect(compacted).toHaveLength(1);
    expect(compacted[0]?.data).toMatchObject({ reason: 'threshold', window_tokens: 8000, turn: 3 });
    expect(compacted[0]?.data.tokens_after).toBeLessThan(compacted[0]?.data.tokens_before);
    // After the compaction the model sees the summary, not the old outputs.
    const after = JSON.stringify(model.requests[3]?.body);
    expect(after).toContain('SUMMARY: listed numbers');
    expect(after).not.toContain('2999\\n3000');
    // The compaction call is counted: six model calls, their tokens in the task's usage.
    expect(done.usage.input_tokens).toBe(2000 + 6000 + 3000 + 2500 + 2600 + 2700);
    // The transcript is stored compacted: a resume would continue from the summary.
    const stored = await p.platform.db.query<{ transcript: { messages: unknown[] } }>(
      'SELECT transcript FROM agent_transcripts WHERE task_id = $1',
      [done.task_id],
    );
    expect(JSON.stringify(stored.rows[0]?.transcript.messages)).toContain('SUMMARY: listed numbers');
    expect(JSON.stringify(stored.rows[0]?.transcript.messages)).not.toContain('2999\\n3000');
  });

  it("recovers from the provider's context-length error: compaction, then the turn again", async () => {
    model.script(
      reply().tool('write_file', { path: 'a.txt', content: 'a\n' }).usage({ input: 2000, output: 10 }),
      reply().contextLengthExceeded({ maxTokens: 6000, promptTokens: 6500 }),
      reply().text('SUMMARY: wrote a.txt.').usage({ input: 2100, output: 10 }),
      reply().text('Wrote a.txt.').usage({ input: 2200, output: 5 }),
    );
    const { done, events } = await submit('Write a.txt');

    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);
    const compacted = events.filter((e) => e.type === 'agent.context_compacted');
    expect(compacted.map((e) => e.data.reason)).toEqual(['context_length_error']);
    expect(compacted[0]?.data.window_tokens).toBe(6000);
    const refused = events.find((e) => e.type === 'agent.model_call' && e.data.error);
    expect(refused?.data.error.code).toBe('MODEL_CONTEXT_EXCEEDED');
    expect(JSON.stringify(model.requests[3]?.body)).toContain('SUMMARY: wrote a.txt.');
  });

  it('a run stopped by a model error pushes its work as a draft PR that says why', async () => {
    model.script(
      reply().tool('write_file', { path: 'partial.txt', content: 'half done\n' }),
      reply().text('Half way: partial.txt written.').tool('bash', { command: 'true' }),
      reply().error(400, 'invalid_request: the request was refused'),
    );
    const { done } = await submit('Do something long');

    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('AGENT_FAILED');
    expect(done.error.message).toContain('the request was refused');
    // The work (left uncommitted by the agent) was committed and pushed as a draft.
    expect(done.outcome.commits).toHaveLength(1);
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);
    expect(done.outcome.pr.draft).toBe(true);
    const pull = await pullBody(done.pr_url);
    expect(pull.draft).toBe(true);
    expect(pull.body).toContain('Half way: partial.txt written.');
    expect(pull.body).toMatch(/Stopped early\*\* \(AGENT_FAILED\).*the request was refused/);
  });

  it('a run stopped by stuck detection pushes its work as a draft PR that says why', async () => {
    const failing = () => reply().tool('bash', { command: 'false' });
    model.script(
      reply().tool('write_file', { path: 'started.txt', content: 'started\n' }),
      failing(),
      failing(),
      failing(),
      failing(),
      failing(),
      failing(),
    );
    const { done, events } = await submit('Loop on a failing command');

    expect(events.some((e) => e.type === 'agent.steering')).toBe(true);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('AGENT_STUCK');
    expect(done.outcome.pr.draft).toBe(true);
    const pull = await pullBody(done.pr_url);
    expect(pull.draft).toBe(true);
    expect(pull.body).toContain('**Stopped early** (AGENT_STUCK)');
  });

  it('a run stopped by a limit pushes its work as a draft PR that names the limit', async () => {
    model.script(
      reply().tool('write_file', { path: 'one.txt', content: 'one\n' }),
      reply().text('Out of turns; one.txt written.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/long', task_description: 'Big job', max_turns: 1 },
    });
    const done = await p.waitFor(created.body.data.task_id, (t) => ENDED.includes(t.status), 90_000);

    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('MAX_TURNS_REACHED');
    const pull = await pullBody(done.pr_url);
    expect(pull.draft).toBe(true);
    expect(pull.body).toContain('**Stopped early** (MAX_TURNS_REACHED)');
  });

  it('a run that failed without changing anything ends with its error and no PR, as before', async () => {
    model.script(reply().error(400, 'invalid_request: refused at once'));
    const { done } = await submit('Fail at once');

    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('AGENT_FAILED');
    expect(done.pr_url).toBeNull();
  });
});
