import { TASK_FAILURES } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Budgets and usage through the API, with the fake agent (it reports 1 000 input and 200 output
 * tokens a turn at $3/$15 per million: $0.006 a turn). A cap of one task per user makes a second
 * task of the same user wait for the first.
 */
let p: TestPlatform;
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
const COST_PER_TURN = 0.006;

beforeAll(async () => {
  p = await startTestPlatform({
    ABCA_MAX_TASKS_PER_USER: '1',
    ABCA_DEFAULT_MAX_BUDGET_USD: '4',
  });
  for (const [repo, settings] of [
    ['acme/app', {}],
    ['acme/capped', { max_budget_usd: 1.5 }],
    ['acme/monthly', { monthly_budget_usd: 0.05 }],
  ] as const) {
    const res = await p.request('POST', '/v1/repos', { body: { repo, forge: { kind: 'fake' }, settings } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});
afterAll(async () => {
  await p?.platform.stop();
});

async function runTask(key: string, repo: string, description: string) {
  const res = await p.request('POST', '/v1/tasks', { key, body: { repo, task_description: description } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return p.waitFor(res.body.data.task_id, (t) => DONE.includes(t.status), 60_000);
}

describe('per-task budgets', () => {
  it('a task gets its own budget, else its repo setting, else ABCA_DEFAULT_MAX_BUDGET_USD', async () => {
    const key = await p.userKey('erin');
    const create = async (repo: string, extra: Record<string, unknown> = {}) =>
      (await p.request('POST', '/v1/tasks', { key, body: { repo, task_description: 'x', ...extra } })).body
        .data;
    expect((await create('acme/app')).max_budget_usd).toBe(4);
    expect((await create('acme/capped')).max_budget_usd).toBe(1.5);
    expect((await create('acme/capped', { max_budget_usd: 0.5 })).max_budget_usd).toBe(0.5);
  });

  it('a budget of 0 or less is a 400 naming the field, on tasks, repos and users', async () => {
    for (const bad of [0, -1]) {
      const task = await p.request('POST', '/v1/tasks', {
        body: { repo: 'acme/app', task_description: 'x', max_budget_usd: bad },
      });
      expect(task.status).toBe(400);
      expect(task.body.error.code).toBe('VALIDATION_ERROR');
      expect(task.body.error.details).toEqual([
        { field: 'max_budget_usd', message: 'must be more than 0 US dollars (omit it for no budget)' },
      ]);
      const repo = await p.request('PATCH', '/v1/repos/acme/app', {
        body: { settings: { monthly_budget_usd: bad } },
      });
      expect(repo.status).toBe(400);
      expect(repo.body.error.details).toEqual([
        {
          field: 'settings.monthly_budget_usd',
          message: 'must be more than 0 US dollars (null removes the budget)',
        },
      ]);
      const user = await p.request('PUT', '/v1/users/erin/budget', { body: { monthly_budget_usd: bad } });
      expect(user.status).toBe(400);
      expect(user.body.error.details[0].field).toBe('monthly_budget_usd');
      expect(user.body.error.message).toContain('must be more than 0');
    }
    // Under a cent cannot be stored: a 400, not a database error.
    const tiny = await p.request('PUT', '/v1/users/erin/budget', { body: { monthly_budget_usd: 0.001 } });
    expect(tiny.status).toBe(400);
    expect(tiny.body.error.details).toEqual([
      { field: 'monthly_budget_usd', message: 'must be at least 0.01 US dollars' },
    ]);
  });
});

describe('monthly budgets', () => {
  it("a repo's monthly budget, once spent, refuses the next task with BUDGET_EXCEEDED", async () => {
    const key = await p.userKey('frank');
    const first = await runTask(key, 'acme/monthly', 'Ten turns [fake:turns=10]');
    expect(first.status).toBe('COMPLETED');
    expect(first.usage.cost_usd).toBeCloseTo(10 * COST_PER_TURN, 6);

    const next = await p.request('POST', '/v1/tasks', {
      key,
      body: { repo: 'acme/monthly', task_description: 'One more' },
    });
    expect(next.status).toBe(402);
    expect(next.body.error.code).toBe('BUDGET_EXCEEDED');
    const month = new Date().toISOString().slice(0, 7);
    expect(next.body.error.message).toBe(
      `Repository acme/monthly spent $0.06 of a $0.05 monthly budget in ${month} (UTC): no new task until ` +
        `${nextMonth()}, unless an admin raises it (\`abca repos update acme/monthly --monthly-budget-usd <usd>\`).`,
    );
    expect(next.body.error.details).toEqual([
      { field: 'repo.settings.monthly_budget_usd', message: '$0.06 spent of $0.05 this month' },
    ]);
    // Other repos are not affected; raising the budget lets tasks in again.
    expect(
      (await p.request('POST', '/v1/tasks', { key, body: { repo: 'acme/app', task_description: 'x' } }))
        .status,
    ).toBe(201);
    const raised = await p.request('PATCH', '/v1/repos/acme/monthly', {
      body: { settings: { monthly_budget_usd: 1 } },
    });
    expect(raised.status).toBe(200);
    expect(
      (await p.request('POST', '/v1/tasks', { key, body: { repo: 'acme/monthly', task_description: 'x' } }))
        .status,
    ).toBe(201);
  });

  it("a user's monthly budget (set by an admin) refuses their next task, not others'", async () => {
    const grace = await p.userKey('grace');
    const other = await p.userKey('heidi');
    expect(
      (await p.request('PUT', '/v1/users/grace/budget', { key: grace, body: { monthly_budget_usd: 9 } }))
        .status,
    ).toBe(403);
    expect(
      (await p.request('PUT', '/v1/users/nobody/budget', { body: { monthly_budget_usd: 9 } })).status,
    ).toBe(404);
    const set = await p.request('PUT', '/v1/users/grace/budget', { body: { monthly_budget_usd: 0.05 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.data).toMatchObject({ user_id: 'grace', monthly_budget_usd: 0.05, spent_usd: 0 });

    expect((await runTask(grace, 'acme/app', 'Ten turns [fake:turns=10]')).status).toBe('COMPLETED');
    const own = await p.request('GET', '/v1/users/grace/budget', { key: grace });
    expect(own.body.data.spent_usd).toBeCloseTo(0.06, 6);
    expect((await p.request('GET', '/v1/users/heidi/budget', { key: grace })).status).toBe(403);

    const next = await p.request('POST', '/v1/tasks', {
      key: grace,
      body: { repo: 'acme/app', task_description: 'x' },
    });
    expect(next.status).toBe(402);
    expect(next.body.error.code).toBe('BUDGET_EXCEEDED');
    expect(next.body.error.message).toContain('User grace spent $0.06 of a $0.05 monthly budget');
    expect(next.body.error.message).toContain('abca budget set grace <usd>');
    expect(
      (
        await p.request('POST', '/v1/tasks', {
          key: other,
          body: { repo: 'acme/app', task_description: 'x' },
        })
      ).status,
    ).toBe(201);

    const removed = await p.request('PUT', '/v1/users/grace/budget', { body: { monthly_budget_usd: null } });
    expect(removed.body.data.monthly_budget_usd).toBeNull();
    expect(
      (
        await p.request('POST', '/v1/tasks', {
          key: grace,
          body: { repo: 'acme/app', task_description: 'x' },
        })
      ).status,
    ).toBe(201);
  });

  it('a task that waited while its user spent the budget fails at admission with BUDGET_EXCEEDED, before any work', async () => {
    const key = await p.userKey('ivan');
    const slow = await p.request('POST', '/v1/tasks', {
      key,
      body: { repo: 'acme/app', task_description: 'Slow [fake:turns=5] [fake:turn_ms=1000]' },
    });
    const waiting = await p.request('POST', '/v1/tasks', {
      key,
      body: { repo: 'acme/app', task_description: 'Waits' },
    });
    expect(waiting.status).toBe(201);
    expect(waiting.body.data.status).toBe('QUEUED');
    await p.request('PUT', '/v1/users/ivan/budget', { body: { monthly_budget_usd: 0.02 } });
    // The premise: the budget was set while the first task still ran.
    expect(DONE).not.toContain(
      (await p.request('GET', `/v1/tasks/${slow.body.data.task_id}`)).body.data.status,
    );

    const first = await p.waitFor(slow.body.data.task_id, (t) => DONE.includes(t.status), 60_000);
    expect(first.usage.cost_usd).toBeCloseTo(5 * COST_PER_TURN, 6);
    const refused = await p.waitFor(waiting.body.data.task_id, (t) => DONE.includes(t.status), 60_000);
    expect(refused.status).toBe('FAILED');
    expect(refused.error.code).toBe('BUDGET_EXCEEDED');
    expect(refused.error.message).toContain('User ivan spent $0.03 of a $0.02 monthly budget');
    expect(refused.error.remedy).toBe(TASK_FAILURES.BUDGET_EXCEEDED.remedy);
    expect(refused.usage).toMatchObject({ turns: 0, cost_usd: 0 });
    const steps = (await p.allEvents(refused.task_id))
      .filter((e) => e.type === 'step.started')
      .map((e) => e.data.step);
    expect(steps).toEqual(['admission']);
  });
});

describe('GET /v1/usage', () => {
  it('sums the tasks by repo, user and task; members see their own; the query is validated', async () => {
    const judy = await p.userKey('judy');
    const mallory = await p.userKey('mallory');
    const a = await runTask(judy, 'acme/capped', 'Three [fake:turns=3]');
    const b = await runTask(judy, 'acme/capped', 'Four [fake:turns=4]');
    const c = await runTask(mallory, 'acme/capped', 'Two [fake:turns=2]');

    const mine = await p.request('GET', '/v1/usage?group_by=task', { key: judy });
    expect(mine.status).toBe(200);
    const byTask = Object.fromEntries(mine.body.data.groups.map((g: any) => [g.key, g]));
    expect(Object.keys(byTask).sort()).toEqual([a.task_id, b.task_id].sort());
    expect(byTask[b.task_id]).toEqual({
      key: b.task_id,
      tasks: 1,
      unpriced_tasks: 0,
      input_tokens: b.usage.input_tokens,
      output_tokens: b.usage.output_tokens,
      cost_usd: b.usage.cost_usd,
    });
    expect(mine.body.data.total.cost_usd).toBeCloseTo(a.usage.cost_usd + b.usage.cost_usd, 6);
    expect(mine.body.data.from).toBe(`${new Date().toISOString().slice(0, 7)}-01T00:00:00.000Z`);

    const byUser = await p.request('GET', '/v1/usage?group_by=user&repo=acme/capped');
    const users = Object.fromEntries(byUser.body.data.groups.map((g: any) => [g.key, g]));
    expect(users.judy).toMatchObject({ tasks: 2, input_tokens: a.usage.input_tokens + b.usage.input_tokens });
    expect(users.mallory).toMatchObject({ tasks: 1, cost_usd: c.usage.cost_usd });

    const byRepo = await p.request('GET', '/v1/usage?user=judy');
    expect(byRepo.body.data.group_by).toBe('repo');
    expect(byRepo.body.data.groups).toEqual([expect.objectContaining({ key: 'acme/capped', tasks: 2 })]);

    expect((await p.request('GET', '/v1/usage?user=mallory', { key: judy })).status).toBe(403);
    const past = await p.request('GET', '/v1/usage?from=2020-01-01&to=2020-02-01');
    expect(past.body.data).toMatchObject({ groups: [], total: { tasks: 0, cost_usd: 0 } });
    for (const [query, field] of [
      ['group_by=month', 'query.group_by'],
      ['from=yesterday', 'query.from'],
      ['from=2026-02-01&to=2026-01-01', 'query.to'],
      ['colour=red', 'query.colour'],
    ]) {
      const bad = await p.request('GET', `/v1/usage?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.details[0].field, query).toBe(field);
    }
  });
});

function nextMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}
