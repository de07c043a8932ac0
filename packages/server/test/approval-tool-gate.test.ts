import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The tool-call gate with the built-in agent in a real sandbox and a scripted model: a command
 * matching a rule waits (the task in AWAITING_APPROVAL holding no slot: a cap of one task lets
 * another task run meanwhile); approved, it runs once and the agent goes on from where it was;
 * denied, it never runs and the agent reads the reason and who denied it in the call's result.
 */
let model: ScriptedModelServer;
let p: TestPlatform;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_MAX_TASKS: '1',
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-tool-gate-test',
  });
  for (const [repo, settings] of [
    ['acme/tools', { approvals: { tools: { commands: ['rm -rf'], paths: ['infra/'] }, timeout_s: 3600 } }],
    ['acme/open', {}],
  ] as const) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' }, settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

async function submit(repo: string, text: string) {
  const res = await p.request('POST', '/v1/tasks', { body: { repo, task_description: text } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.task_id as string;
}

async function pendingTool(id: string) {
  await p.waitFor(id, (t) => t.status === 'AWAITING_APPROVAL', 60_000);
  const list = (await p.request('GET', `/v1/tasks/${id}/approvals`)).body.data as any[];
  const pending = list.filter((a) => a.state === 'pending');
  expect(pending).toHaveLength(1);
  return pending[0];
}

const COMMIT = 'echo kept > kept.txt && git add kept.txt && git commit -qm "Keep"';
const CLEAN = 'rm -rf build && echo cleaned > cleaned.txt && git add cleaned.txt && git commit -qm "Clean"';

describe('tool-call gate', () => {
  it('a matching command waits without a slot and runs once approved', async () => {
    model.script(
      reply().when('Clean the build').tool('bash', { command: COMMIT }, 'call-keep'),
      reply().when('Clean the build').tool('bash', { command: CLEAN }, 'call-clean'),
    );
    const id = await submit('acme/tools', 'Clean the build');
    const held = await pendingTool(id);
    expect(held).toMatchObject({
      gate: 'tool',
      request: { gate: 'tool', tool: 'bash', rule: 'command matches rm -rf' },
    });
    expect(held.request.input).toContain('rm -rf build');
    let events = await p.allEvents(id);
    expect(events.some((e) => e.type === 'agent.tool_started' && e.data.tool_call_id === 'call-clean')).toBe(
      false,
    );

    // Waiting holds no slot: with a cap of one, another task runs to its end meanwhile.
    model.script(
      reply()
        .when('Add a notes file')
        .tool('bash', { command: 'echo n > N.md && git add N.md && git commit -qm n' }),
      reply().when('Add a notes file').text('Added N.md.'),
    );
    const other = await submit('acme/open', 'Add a notes file');
    expect((await p.waitFor(other, (t) => DONE.includes(t.status), 60_000)).status).toBe('COMPLETED');
    expect((await p.request('GET', `/v1/tasks/${id}`)).body.data.status).toBe('AWAITING_APPROVAL');

    model.script(reply().when('Clean the build', 'cleaned.txt').text('Cleaned the build.'));
    const ok = await p.request('POST', `/v1/tasks/${id}/approve`, { body: {} });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.outcome.commits.map((c: { subject: string }) => c.subject)).toEqual(['Keep', 'Clean']);
    events = await p.allEvents(id);
    const runs = (callId: string) =>
      events.filter((e) => e.type === 'agent.tool_call' && e.data.tool_call_id === callId);
    expect(runs('call-keep')).toHaveLength(1);
    expect(runs('call-clean')).toHaveLength(1);
    expect(runs('call-clean')[0].data.is_error).toBe(false);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    // The task waited from the agent's step and went back to it.
    const changes = events.filter((e) => e.type === 'task.status_changed').map((e) => e.data.to);
    expect(changes).toEqual([
      'HYDRATING',
      'RUNNING',
      'AWAITING_APPROVAL',
      'RUNNING',
      'FINALIZING',
      'COMPLETED',
    ]);
  });

  it('a denied write never happens; the agent reads the reason and who denied it, and goes on', async () => {
    model.reset();
    model.script(
      reply().when('Tune the infra').tool('bash', { command: COMMIT }, 'call-keep-2'),
      reply()
        .when('Tune the infra')
        .tool('write_file', { path: './infra/../infra/main.tf', content: 'x' }, 'call-infra'),
    );
    const id = await submit('acme/tools', 'Tune the infra');
    const held = await pendingTool(id);
    expect(held.request.rule).toBe('write_file of infra/main.tf (under infra/)');

    model.script(
      reply().when('Tune the infra', 'Infra changes go through the platform team').text('Left infra alone.'),
    );
    const no = await p.request('POST', `/v1/tasks/${id}/deny`, {
      body: { reason: 'Infra changes go through the platform team.' },
    });
    expect(no.status, JSON.stringify(no.body)).toBe(200);
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(done.outcome.files).toEqual(['kept.txt']);
    const events = await p.allEvents(id);
    const denied = events.find((e) => e.type === 'agent.tool_call' && e.data.tool_call_id === 'call-infra');
    expect(denied.data.is_error).toBe(true);
    expect(denied.data.result).toContain('denied by admin');
    expect(denied.data.result).toContain('Infra changes go through the platform team.');
    // The model got it as the call's result in its next request.
    const next = model.requests.at(-1);
    expect(JSON.stringify(next?.body)).toContain('denied by admin');
    expect(events.filter((e) => e.type === 'approval.decided')[0].data).toMatchObject({
      gate: 'tool',
      state: 'denied',
      by: 'admin',
      channel: 'api',
    });
  });
});
