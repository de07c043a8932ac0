import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca usage` and `abca budget` against a real server (`abca serve` as a child process, the fake
 * agent: $0.006 a turn). The sums the CLI prints must be the sums of the tasks it ran.
 */
let served: Served;
let env: Record<string, string>;
let bobKey: string;
const abca = (...args: string[]) => runCli(args, env);
const asBob = (...args: string[]) => runCli([...args, '--api-key', bobKey], env);

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cliusage') });
  env = { ABCA_HOME: served.home };
  for (const repo of ['acme/app', 'acme/lib']) {
    const r = await abca('repos', 'add', repo, '--forge', 'fake');
    expect(r.code, r.stderr).toBe(0);
  }
  const key = await abca('keys', 'create', 'bob-key', '--user', 'bob', '--json');
  expect(key.code, key.stderr).toBe(0);
  bobKey = JSON.parse(key.stdout).key;
});
afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

/** Submits and waits (`submit --wait`); returns the finished task as `abca status --json` shows it. */
async function submitted(run: typeof abca, repo: string, description: string) {
  const r = await run('submit', '--repo', repo, '--wait', description);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const id = /Submitted (\w{26})/.exec(r.stdout)?.[1] as string;
  const s = await run('status', id, '--json');
  expect(s.code, s.stderr).toBe(0);
  return JSON.parse(s.stdout);
}

describe('abca usage', () => {
  it("sums match the tasks: by repo, by task, by user, and a member's own", async () => {
    const tasks: any[] = await Promise.all([
      submitted(abca, 'acme/app', 'Three [fake:turns=3]'),
      submitted(abca, 'acme/lib', 'Five [fake:turns=5]'),
      submitted(asBob, 'acme/app', 'Two [fake:turns=2]'),
    ]);
    const sum = (pick: (t: any) => number, of = tasks) => of.reduce((n, t) => n + pick(t), 0);
    const cost = (of = tasks) => Math.round(sum((t) => t.usage.cost_usd, of) * 1e6) / 1e6;

    const byRepo = await abca('usage', '--json');
    expect(byRepo.code, byRepo.stderr).toBe(0);
    const report = JSON.parse(byRepo.stdout);
    expect(report.total).toEqual({
      tasks: 3,
      unpriced_tasks: 0,
      input_tokens: sum((t) => t.usage.input_tokens),
      output_tokens: sum((t) => t.usage.output_tokens),
      cost_usd: cost(),
    });
    const app = tasks.filter((t) => t.repo === 'acme/app');
    expect(report.groups.find((g: any) => g.key === 'acme/app')).toMatchObject({
      tasks: 2,
      cost_usd: cost(app),
    });

    const byTask = JSON.parse((await abca('usage', '--by', 'task', '--json')).stdout);
    for (const t of tasks) {
      expect(byTask.groups.find((g: any) => g.key === t.task_id)).toMatchObject({
        input_tokens: t.usage.input_tokens,
        output_tokens: t.usage.output_tokens,
        cost_usd: t.usage.cost_usd,
      });
    }

    // The table: one row per user and a total, in dollars to the hundredth of a cent.
    const text = await abca('usage', '--by', 'user');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^USER\s+TASKS\s+INPUT TOKENS\s+OUTPUT TOKENS\s+COST$/m);
    const bob = tasks.filter((t) => t.user_id === 'bob');
    expect(text.stdout).toMatch(
      new RegExp(`^bob\\s+1\\s+${bob[0].usage.input_tokens}\\s+\\d+\\s+\\$${cost(bob).toFixed(4)}$`, 'm'),
    );
    expect(text.stdout).toMatch(
      new RegExp(
        `^total\\s+3\\s+${sum((t) => t.usage.input_tokens)}\\s+\\d+\\s+\\$${cost().toFixed(4)}$`,
        'm',
      ),
    );

    // A member sees their own tasks only.
    const own = JSON.parse((await asBob('usage', '--json')).stdout);
    expect(own.total).toMatchObject({ tasks: 1, cost_usd: cost(bob) });
    const other = await asBob('usage', '--user', 'admin');
    expect(other.code).toBe(4);
    expect(other.stderr).toContain('Only an admin can see the usage of another user.');
  }, 240_000);

  it('bad flags say what to fix', async () => {
    const group = await abca('usage', '--by', 'month');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('must be repo, user, task');
    const from = await abca('usage', '--from', 'last week');
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('query.from');
    expect(from.stderr).toContain('must be a date such as 2026-12-01');
  });
});

describe('abca budget', () => {
  it("an admin sets a user's monthly budget; once spent, the user's next submit is refused with BUDGET_EXCEEDED", async () => {
    const set = await abca('budget', 'set', 'bob', '0.01');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^User bob: \$0\.01 a month; \$0\.\d\d spent in \d{4}-\d{2} \(UTC\)\.$/m);

    const refused = await asBob('submit', '--repo', 'acme/app', 'One more');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BUDGET_EXCEEDED');
    expect(refused.stderr).toContain('User bob spent $0.01 of a $0.01 monthly budget');
    expect(refused.stderr).toContain('abca budget set bob <usd>');

    const member = await asBob('budget', 'set', 'bob', '100');
    expect(member.code).toBe(4);
    expect((await asBob('budget', 'show', 'bob')).stdout).toContain('User bob: $0.01 a month');

    for (const bad of [['0'], ['--', '-5']]) {
      const r = await abca('budget', 'set', 'bob', ...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr, bad.join(' ')).toContain('monthly_budget_usd: must be more than 0 US dollars');
    }
    const word = await abca('budget', 'set', 'bob', 'lots');
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('or none to remove the budget');

    expect((await abca('budget', 'set', 'bob', 'none')).stdout).toContain('User bob: no monthly budget');
    expect((await asBob('submit', '--repo', 'acme/app', 'Now it fits')).code).toBe(0);
  }, 240_000);

  it("a repo's monthly budget is a repo setting: 0 is refused naming the flag's field", async () => {
    const zero = await abca('repos', 'update', 'acme/lib', '--monthly-budget-usd', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('settings.monthly_budget_usd: must be more than 0 US dollars');
    const ok = await abca('repos', 'update', 'acme/lib', '--monthly-budget-usd', '25');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await abca('repos', 'show', 'acme/lib')).stdout).toMatch(/monthly_budget_usd:\s+25 USD a month/);
  });
});
