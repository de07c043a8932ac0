import {
  createScriptedModelServer,
  type RecordedRequest,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Model routing belongs to the operator, through a real task: the built-in agent, a real sandbox
 * and two scripted model servers over real HTTP. The operator runs `openai-compatible:scripted` on
 * server A with its key, and also holds an Anthropic key whose endpoint is server B.
 */
const KEY_A = 'sk-compatible-only-for-a-3f8e21c9d4';
const KEY_B = 'sk-ant-only-for-b-7c1d9e4a2b';
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
let a: ScriptedModelServer;
let b: ScriptedModelServer;
let p: TestPlatform;
let remote: string;

beforeAll(async () => {
  a = await createScriptedModelServer();
  b = await createScriptedModelServer();
  remote = makeRemote({
    'README.md': '# demo\n',
    '.abca/config.yaml': 'model: anthropic:claude-sonnet-4-5\ntest_command: "true"\n',
  });
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: a.baseUrl,
    ABCA_MODEL_API_KEY: KEY_A,
    ANTHROPIC_API_KEY: KEY_B,
    ABCA_ANTHROPIC_BASE_URL: b.baseUrl,
  });
});
afterAll(async () => {
  await p?.platform.stop();
  await a?.close();
  await b?.close();
});
beforeEach(() => {
  a.reset();
  b.reset();
});

/** Everything a model server saw of a request: every header and the body. */
const seen = (r: RecordedRequest) => JSON.stringify(r.headers) + r.rawBody;

const commitAndFinish = () => [
  reply().tool('bash', { command: 'echo hi > hi.txt && git add hi.txt && git commit -q -m "Add hi"' }),
  reply().text('Added hi.txt.'),
];

async function runTask(repo: string) {
  const created = await p.request('POST', '/v1/tasks', { body: { repo, task_description: 'Add hi.txt' } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const done = await p.waitFor(created.body.data.task_id, (t) => DONE.includes(t.status), 60_000);
  return { done, events: await p.allEvents(done.task_id) };
}

describe("a provider key never reaches another provider's URL, whatever a repo's config asks", () => {
  it("a repo's .abca/config.yaml asking for anthropic changes nothing: every request goes to A with A's key", async () => {
    const added = await p.request('POST', '/v1/repos', {
      body: { repo: 'asks', forge: { kind: 'git', url: remote } },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    a.script(...commitAndFinish());

    const { done, events } = await runTask('asks');
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(a.requests).toHaveLength(2);
    for (const r of a.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY_A}`);
      expect(seen(r)).not.toContain(KEY_B);
    }
    expect(b.requests).toHaveLength(0);
    const warnings = events.filter((e) => e.type === 'hydration.warning').map((e) => e.data.message);
    expect(warnings).toContainEqual(
      expect.stringMatching(/model is ignored: the operator chooses the model/),
    );
    expect(warnings.join('\n')).toContain('abca repos update <repo> --model');
    expect(events.filter((e) => e.type === 'agent.model_call').map((e) => e.data.model_ref)).toEqual([
      'openai-compatible:scripted',
      'openai-compatible:scripted',
    ]);
  });

  it("the operator's per-repo anthropic model goes to B with the Anthropic key only", async () => {
    const added = await p.request('POST', '/v1/repos', {
      body: {
        repo: 'acme/anthropic',
        forge: { kind: 'fake' },
        settings: { model: 'anthropic:claude-sonnet-4-5' },
      },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    b.script(...commitAndFinish());

    const { done } = await runTask('acme/anthropic');
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');

    expect(b.requests).toHaveLength(2);
    for (const r of b.requests) {
      expect(r.protocol).toBe('anthropic-messages');
      expect(r.headers['x-api-key']).toBe(KEY_B);
      expect(seen(r)).not.toContain(KEY_A);
    }
    expect(a.requests).toHaveLength(0);
  });

  it('the API refuses a per-repo model naming a provider that is not configured, naming the field', async () => {
    const bedrock = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';
    const created = await p.request('POST', '/v1/repos', {
      body: { repo: 'acme/bedrock', forge: { kind: 'fake' }, settings: { model: bedrock } },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('VALIDATION_ERROR');
    expect(created.body.error.message).toContain('configured providers: anthropic, openai-compatible');
    expect(created.body.error.details).toEqual([
      {
        field: 'settings.model',
        message: expect.stringContaining('provider bedrock, which is not configured'),
      },
    ]);
    expect((await p.request('GET', '/v1/repos/acme%2Fbedrock')).status).toBe(404);

    await p.request('POST', '/v1/repos', { body: { repo: 'acme/patched', forge: { kind: 'fake' } } });
    for (const model of [bedrock, 'openai:gpt-4o', 'gpt-4o']) {
      const patched = await p.request('PATCH', '/v1/repos/acme/patched', { body: { settings: { model } } });
      expect(patched.status, model).toBe(400);
      expect(patched.body.error.details[0].field, model).toBe('settings.model');
    }
    expect((await p.request('GET', '/v1/repos/acme/patched')).body.data.settings.model).toBeUndefined();
    const ok = await p.request('PATCH', '/v1/repos/acme/patched', {
      body: { settings: { model: 'anthropic:x' } },
    });
    expect(ok.status).toBe(200);
    expect(a.requests.length + b.requests.length).toBe(0);
  });

  it('a worker not configured for the stored model fails pre-flight with MODEL_NOT_CONFIGURED, calling no model', async () => {
    // As if the API server that accepted it held an OpenAI key this worker lacks.
    await p.request('POST', '/v1/repos', { body: { repo: 'acme/elsewhere', forge: { kind: 'fake' } } });
    await p.platform.db.query(
      `UPDATE repos SET settings = settings || '{"model":"openai:gpt-4o"}' WHERE repo = $1`,
      ['acme/elsewhere'],
    );

    const { done } = await runTask('acme/elsewhere');
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('MODEL_NOT_CONFIGURED');
    expect(done.error.message).toContain('provider openai, which is not configured on this worker');
    expect(done.error.message).toContain('configured: anthropic, openai-compatible');
    expect(done.usage.turns).toBe(0);
    expect(a.requests.length + b.requests.length).toBe(0);
  });
});
