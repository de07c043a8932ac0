import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The plan gate with the built-in agent and a scripted model over real HTTP: the agent plans with
 * read-only tools, the task waits in AWAITING_APPROVAL holding no slot (a cap of one task lets
 * another task run meanwhile), a denial's reason reaches the next planning prompt, an edited plan
 * reaches the working prompt, and denials beyond the last round end the task APPROVAL_DENIED.
 */
let model: ScriptedModelServer;
let p: TestPlatform;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
const PLANNING = 'In this planning phase';

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_MAX_TASKS: '1',
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-plan-gate-test',
  });
  for (const [repo, settings] of [
    ['acme/planned', { approvals: { plan: true, timeout_s: 3600 } }],
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

/**
 * Waits until the task waits on its plan of `round`: after a denial it still waits, on the earlier
 * one, for a moment; and the request is stored just before the task moves to AWAITING_APPROVAL.
 */
async function pendingPlan(id: string, round: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await p.request('GET', `/v1/tasks/${id}`)).body.data.status;
    const list = (await p.request('GET', `/v1/tasks/${id}/approvals`)).body.data as any[];
    const pending = list.filter((a) => a.state === 'pending');
    if (status === 'AWAITING_APPROVAL' && pending.length === 1 && pending[0].request.round === round) {
      expect(pending[0]).toMatchObject({ gate: 'plan', request: { gate: 'plan', round } });
      return pending[0];
    }
    if (DONE.includes(status) || Date.now() > deadline) {
      throw new Error(`task ${id} (${status}) waits on no plan of round ${round}: ${JSON.stringify(list)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bodyOf = (r: { body: unknown }) => JSON.stringify(r.body);
const toolsOf = (r: { body: unknown }) =>
  ((r.body as any).tools ?? []).map((t: { name: string }) => t.name).sort();

describe('plan gate', () => {
  it('plans read-only, waits without a slot, re-plans with the reason, works with the edited plan', async () => {
    model.script(
      reply().when(PLANNING, 'Rename the greeting').tool('glob', { pattern: '*' }),
      reply().when(PLANNING, 'Rename the greeting').text('PLAN-ONE: rename greet() everywhere by hand.'),
    );
    const id = await submit('acme/planned', 'Rename the greeting');
    const first = await pendingPlan(id, 1);
    expect(first.request.plan).toBe('PLAN-ONE: rename greet() everywhere by hand.');
    // The planning run offered only the read-only tools.
    const planning = model.requests.filter((r) => bodyOf(r).includes(PLANNING));
    expect(planning).toHaveLength(2);
    expect(toolsOf(planning[0] as { body: unknown })).toEqual(['glob', 'grep', 'read_file']);
    const requested = (await p.allEvents(id)).filter((e) => e.type === 'approval.requested');
    expect(requested).toHaveLength(1);

    // Waiting holds no slot: with a cap of one, another task runs to its end meanwhile.
    model.script(
      reply()
        .when('Add a notes file')
        .tool('bash', { command: 'echo notes > NOTES.md && git add NOTES.md && git commit -qm "Add notes"' }),
      reply().when('Add a notes file').text('Added NOTES.md.'),
    );
    const other = await submit('acme/open', 'Add a notes file');
    expect((await p.waitFor(other, (t) => DONE.includes(t.status), 60_000)).status).toBe('COMPLETED');
    expect((await p.request('GET', `/v1/tasks/${id}`)).body.data.status).toBe('AWAITING_APPROVAL');

    // Denied: the agent plans again, and its new prompt holds the denied plan and the reason.
    model.script(reply().when(PLANNING, 'Use the codemod in tools/').text('PLAN-TWO: run the codemod.'));
    const no = await p.request('POST', `/v1/tasks/${id}/deny`, {
      body: { approval_id: first.approval_id, reason: 'Use the codemod in tools/ instead.' },
    });
    expect(no.status, JSON.stringify(no.body)).toBe(200);
    const second = await pendingPlan(id, 2);
    expect(second.request.plan).toBe('PLAN-TWO: run the codemod.');
    const replan = model.requests.filter((r) => bodyOf(r).includes('Use the codemod in tools/'));
    expect(replan).toHaveLength(1);
    expect(bodyOf(replan[0] as { body: unknown })).toContain('PLAN-ONE: rename greet()');
    expect(bodyOf(replan[0] as { body: unknown })).toContain("REVIEWER'S REASON (round 1, by admin)");

    // Approved with edits: the working run follows the edited plan, fenced, and completes.
    model.script(
      reply().when('EDITED-PLAN-7f3a').tool('bash', {
        command: 'echo hi > greeting.txt && git add greeting.txt && git commit -qm "Rename"',
      }),
      reply().when('EDITED-PLAN-7f3a').text('Renamed as planned.'),
    );
    const ok = await p.request('POST', `/v1/tasks/${id}/approve`, {
      body: { plan: 'EDITED-PLAN-7f3a: run the codemod, then fix the two call sites it misses.' },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toMatchObject({
      state: 'approved',
      edited_plan: expect.stringContaining('EDITED-PLAN'),
    });
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const working = model.requests.filter((r) => bodyOf(r).includes('EDITED-PLAN-7f3a'));
    expect(working.length).toBe(2);
    const prompt = bodyOf(working[0] as { body: unknown });
    expect(prompt).toContain('<<<APPROVED PLAN>>>');
    expect(prompt).not.toContain('PLAN-TWO: run the codemod.');
    expect(prompt).not.toContain(PLANNING);
    expect(toolsOf(working[0] as { body: unknown })).toContain('write_file');

    const events = await p.allEvents(id);
    expect(events.filter((e) => e.type === 'approval.decided').map((e) => e.data)).toEqual([
      expect.objectContaining({ state: 'denied', by: 'admin', channel: 'api', plan_edited: false }),
      expect.objectContaining({ state: 'approved', by: 'admin', channel: 'api', plan_edited: true }),
    ]);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    // Usage counts the planning turns too: two rounds (3 turns) and the work (2 turns).
    expect(done.usage.turns).toBe(5);
  });

  it('ends FAILED APPROVAL_DENIED after the last round is denied, nothing pushed', async () => {
    model.reset();
    for (let i = 0; i < 3; i++)
      model.script(
        reply()
          .when(PLANNING, 'Drop the tables')
          .text(`PLAN ${i + 1}`),
      );
    const id = await submit('acme/planned', 'Drop the tables');
    for (const round of [1, 2, 3]) {
      await pendingPlan(id, round);
      const no = await p.request('POST', `/v1/tasks/${id}/deny`, { body: { reason: `No (${round}).` } });
      expect(no.status, JSON.stringify(no.body)).toBe(200);
    }
    const done = await p.waitFor(id, (t) => DONE.includes(t.status), 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_DENIED');
    expect(done.error.message).toContain('No (3).');
    expect(done.pr_url).toBeNull();
    expect(model.requests.some((r) => !bodyOf(r).includes(PLANNING))).toBe(false);
  });
});
