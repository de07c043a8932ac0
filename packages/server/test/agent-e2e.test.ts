import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The built-in agent wired into the orchestrator: a real bubblewrap sandbox around the task's
 * workspace, the real agent loop, a scripted model over real HTTP (Anthropic Messages), and the
 * platform's key kept on the host.
 */
const MODEL_KEY = 'sk-ant-e2e-secret-4f9a2c7d1e';
let model: ScriptedModelServer;
let p: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: MODEL_KEY,
  });
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/agent', forge: { kind: 'fake' } } });
});
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

describe('built-in agent in the blueprint', () => {
  it('edits, tests and commits in a sandbox; the PR carries the commit; the key stays on the host', async () => {
    model.script(
      reply()
        .tool('write_file', { path: 'hello.txt', content: 'hello from the agent\n' })
        .usage({ input: 1200, output: 80 }),
      reply()
        .tool('bash', { command: 'cat hello.txt && env && cat /proc/1/environ | tr "\\0" "\\n"; true' })
        .usage({ input: 1400, output: 40 }),
      reply()
        .tool('bash', {
          command: 'git add hello.txt && git commit -q -m "Add hello.txt" && git log --oneline | head -3',
        })
        .usage({ input: 1600, output: 40 }),
      reply().text('Added hello.txt with a greeting.').usage({ input: 1700, output: 20 }),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/agent', task_description: 'Add a hello file' },
    });
    expect(created.status).toBe(201);
    const done = await p.waitFor(
      created.body.data.task_id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      60_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(done.usage).toMatchObject({ turns: 4, input_tokens: 5900, output_tokens: 180 });
    expect(done.usage.cost_usd).toBeGreaterThan(0);
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Add hello.txt']);
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);

    const events = (await p.request('GET', `/v1/tasks/${done.task_id}/events?limit=100`)).body.data as any[];
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'agent.turn_started')).toHaveLength(4);
    expect(types.filter((t) => t === 'agent.tool_call')).toHaveLength(3);
    expect(types.filter((t) => t === 'agent.model_call')).toHaveLength(4);
    const envCall = events.find(
      (e) => e.type === 'agent.tool_call' && String(e.data.args?.command).startsWith('cat hello.txt'),
    );
    expect(envCall.data.result).toContain('hello from the agent');

    // The key: in no request body, event, PR or the sandbox's environment.
    const everything = JSON.stringify(events) + JSON.stringify(model.requests.map((r) => r.body));
    expect(everything).not.toContain(MODEL_KEY);
    expect(model.requests[0]?.headers['x-api-key']).toBe(MODEL_KEY); // the host did send it, to the model only
    const pulls = await p.platform.db.query('SELECT body FROM fake_forge_pulls');
    expect(JSON.stringify(pulls.rows)).not.toContain(MODEL_KEY);
    expect(pulls.rows[0].body).toContain('Added hello.txt with a greeting.');

    // The prompt went in fenced as untrusted text.
    const first = JSON.stringify(model.requests[0]?.body);
    expect(first).toContain('UNTRUSTED TASK');
    expect(first).toContain('Add a hello file');
  });

  it('shows what the agent says and the output of a long command while it still runs', async () => {
    model.reset();
    const slow = 'for i in $(seq 1 16); do echo "suite $i ok"; sleep 0.5; done';
    model.script(
      reply().text('Running the whole suite first.').tool('bash', { command: slow }),
      reply().tool('bash', { command: 'echo y > y.txt && git add y.txt && git commit -q -m "y"' }),
      reply().text('Suite is green; added y.txt.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/agent', task_description: 'Run the suite' },
    });
    const id = created.body.data.task_id as string;
    // Live: a tail arrives while the command runs, before its result.
    const tail = await p.waitForEvent(id, (e) => e.type === 'agent.tool_output', 60_000);
    const sofar = await p.allEvents(id);
    expect(
      sofar.some((e) => e.type === 'agent.tool_call' && e.data.tool_call_id === tail.data.tool_call_id),
    ).toBe(false);
    expect(tail.data.tail).toMatch(/suite \d+ ok/);
    const done = await p.waitFor(
      id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      60_000,
    );
    expect(done.status).toBe('COMPLETED');
    const events = await p.allEvents(id);
    const started = events.find((e) => e.type === 'agent.tool_started' && e.data.args_preview === slow);
    const result = events.find(
      (e) => e.type === 'agent.tool_call' && e.data.tool_call_id === started?.data.tool_call_id,
    );
    const tails = events.filter((e) => e.type === 'agent.tool_output');
    expect(tails.length).toBeGreaterThanOrEqual(1);
    // At most one every 5 s of the command's run.
    expect(tails.length).toBeLessThanOrEqual(Math.ceil(result.data.duration_ms / 5000));
    expect(started.seq).toBeLessThan(tails[0].seq);
    expect(tails.at(-1).seq).toBeLessThan(result.seq);
    expect(events.filter((e) => e.type === 'agent.message').map((e) => e.data.text)).toEqual([
      'Running the whole suite first.',
      'Suite is green; added y.txt.',
    ]);
  });

  it('turns a blocked network request in the sandbox into a task event naming the host', async () => {
    model.reset();
    await p.request('POST', '/v1/repos', {
      body: {
        repo: 'acme/net',
        forge: { kind: 'fake' },
        settings: { network_allowlist: ['registry.npmjs.org'] },
      },
    });
    model.script(
      reply().tool('bash', {
        command: 'curl -s -m 5 -o /dev/null -w "%{http_code}" https://blocked.example.com/; echo " exit=$?"',
      }),
      reply().tool('bash', { command: 'echo x > x.txt && git add x.txt && git commit -q -m "x"' }),
      reply().text('Tried the network.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/net', task_description: 'Try the network' },
    });
    const done = await p.waitFor(
      created.body.data.task_id,
      (t) => ['COMPLETED', 'FAILED'].includes(t.status),
      60_000,
    );
    expect(done.status).toBe('COMPLETED');
    const events = (await p.request('GET', `/v1/tasks/${done.task_id}/events?limit=100`)).body.data as any[];
    expect(events.find((e) => e.type === 'sandbox.egress_blocked')?.data.host).toBe('blocked.example.com');
    const pulls = await p.platform.db.query('SELECT body FROM fake_forge_pulls WHERE branch = $1', [
      done.branch_name,
    ]);
    expect(pulls.rows[0].body).toContain('blocked.example.com');
  });

  it('fails pre-flight with MODEL_NOT_CONFIGURED when a repo names an unusable model', async () => {
    // The API refuses a provider the platform is not configured for; a worker configured
    // differently from the API server still meets one: written straight to the database here.
    await p.request('POST', '/v1/repos', { body: { repo: 'acme/nomodel', forge: { kind: 'fake' } } });
    await p.platform.db.query(
      `UPDATE repos SET settings = settings || '{"model":"openai:gpt-4o"}' WHERE repo = 'acme/nomodel'`,
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/nomodel', task_description: 'x' },
    });
    const done = await p.waitFor(created.body.data.task_id, (t) => t.status === 'FAILED');
    expect(done.error.code).toBe('MODEL_NOT_CONFIGURED');
    expect(done.error.remedy).toMatch(/ABCA_MODEL/);
    expect(done.usage.turns).toBe(0);
  });

  it('ends with MAX_TURNS_REACHED, keeps the work and opens a draft PR', async () => {
    model.reset();
    model.script(
      reply().tool('bash', { command: 'echo one > one.txt' }),
      reply().tool('bash', { command: 'echo two > two.txt' }),
      // the wrap-up turn: the agent commits what it has
      reply().tool('bash', { command: 'git add -A && git commit -q -m "Partial work"' }),
      reply().text('Stopped early; partial work committed.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/agent', task_description: 'Big job', max_turns: 2 },
    });
    const done = await p.waitFor(
      created.body.data.task_id,
      (t) => ['COMPLETED', 'FAILED'].includes(t.status),
      60_000,
    );
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('MAX_TURNS_REACHED');
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Partial work']);
    expect(done.outcome.pr.draft).toBe(true);
  });
});

describe('what PostgreSQL refuses, in what the agent sees', () => {
  it('records a tool output holding NUL bytes and lone surrogates (what PostgreSQL refuses) and completes', async () => {
    model.reset(); // replies an earlier test left unread would answer this task first
    model.script(
      reply().tool('bash', { command: "printf 'bin\\000ary\\n' > blob.bin && cat blob.bin" }),
      reply().tool('bash', { command: 'git add blob.bin && git commit -q -m "Add blob" && echo done' }),
      // A model's text may carry an escaped lone surrogate (valid JSON, refused by jsonb).
      reply().text('Added a blob \uD800 with a NUL \u0000 in it.'),
    );
    const created = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/agent', task_description: 'Add a binary blob' },
    });
    const done = await p.waitFor(
      created.body.data.task_id,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      60_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    const events = (await p.request('GET', `/v1/tasks/${done.task_id}/events?limit=100`)).body.data as any[];
    const cat = events.find(
      (e) => e.type === 'agent.tool_call' && String(e.data.args?.command).includes('cat blob'),
    );
    expect(cat.data.result).toContain('bin\uFFFDary');
    expect(events.some((e) => e.type === 'step.failed')).toBe(false);
  });
});
