import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Honest costs through real tasks: the built-in agent, a real sandbox and scripted model servers
 * over real HTTP. The scripted model (`openai-compatible:scripted`) is free; a model the operator
 * priced in ABCA_PRICES_FILE costs what the file says; a model nobody priced is "unpriced", never
 * given an invented price.
 */
const DONE = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
let compatible: ScriptedModelServer;
let anthropic: ScriptedModelServer;
let p: TestPlatform;
let remote: string;

beforeAll(async () => {
  compatible = await createScriptedModelServer();
  anthropic = await createScriptedModelServer();
  remote = makeRemote({ 'README.md': '# demo\n', '.abca/config.yaml': 'test_command: "true"\n' });
  const prices = join(mkdtempSync(join(tmpdir(), 'abca-prices-')), 'prices.yaml');
  writeFileSync(prices, '"openai-compatible:priced": { input: 2, output: 10 }\n');
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: compatible.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-costs-5d1f0a',
    ABCA_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    ABCA_PRICES_FILE: prices,
  });
  for (const [repo, settings] of [
    ['free', {}],
    ['priced', { model: 'openai-compatible:priced', monthly_budget_usd: 0.5 }],
    ['unpriced', { model: 'anthropic:claude-mystery-1' }],
  ] as const) {
    const res = await p.request('POST', '/v1/repos', {
      body: { repo, forge: { kind: 'git', url: remote }, settings },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});
afterAll(async () => {
  await p?.platform.stop();
  await compatible?.close();
  await anthropic?.close();
});

/** Two model calls of 100 000 input and 20 000 output tokens each. */
const twoCalls = () => [
  reply()
    .tool('bash', { command: 'echo hi > hi.txt && git add hi.txt && git commit -q -m "Add hi"' })
    .usage({ input: 100_000, output: 20_000 }),
  reply().text('Added hi.txt.').usage({ input: 100_000, output: 20_000 }),
];

async function runTask(repo: string, extra: Record<string, unknown> = {}) {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo, task_description: 'Add hi.txt', ...extra },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const done = await p.waitFor(created.body.data.task_id, (t) => DONE.includes(t.status), 120_000);
  expect(done.error).toBeNull();
  expect(done.status).toBe('COMPLETED');
  return { created: created.body, done, events: await p.allEvents(done.task_id) };
}

const callCosts = (events: any[]) =>
  events.filter((e) => e.type === 'agent.model_call').map((e) => e.data.cost_usd);

describe('what a task costs', () => {
  it('a scripted (openai-compatible) run costs $0, and says it is priced', async () => {
    compatible.script(...twoCalls());
    const { done, events } = await runTask('free');
    expect(done.usage).toEqual({
      input_tokens: 200_000,
      output_tokens: 40_000,
      cost_usd: 0,
      turns: 2,
      priced: true,
    });
    expect(callCosts(events)).toEqual([0, 0]);
  });

  it("the operator's price for a model is applied to every call", async () => {
    compatible.script(...twoCalls());
    const { done, events } = await runTask('priced');
    // Per call: 0.1 M input at $2 + 0.02 M output at $10 = $0.40.
    expect(callCosts(events).map((c: number) => c.toFixed(6))).toEqual(['0.400000', '0.400000']);
    expect(done.usage).toMatchObject({ cost_usd: 0.8, priced: true });
    expect(compatible.requests.at(-1)?.body).toMatchObject({ model: 'priced' });
  });

  it('a model with no price is unpriced: $0 counted, never invented, and a dollar budget is warned about', async () => {
    anthropic.script(...twoCalls());
    const { created, done } = await runTask('unpriced', { max_budget_usd: 5 });
    expect(created.warnings).toEqual([
      expect.stringContaining(
        'Model anthropic:claude-mystery-1 has no price, so its tokens count $0 and max_budget_usd ($5) cannot stop this task',
      ),
    ]);
    expect(done.usage).toEqual({
      input_tokens: 200_000,
      output_tokens: 40_000,
      cost_usd: 0,
      turns: 2,
      priced: false,
    });
    const usage = await p.request('GET', '/v1/usage?repo=unpriced');
    expect(usage.body.data.total).toMatchObject({
      tasks: 1,
      unpriced_tasks: 1,
      cost_usd: 0,
      input_tokens: 200_000,
    });
  });

  it("once the priced repo's monthly budget is spent, its next task is refused with BUDGET_EXCEEDED", async () => {
    const next = await p.request('POST', '/v1/tasks', { body: { repo: 'priced', task_description: 'More' } });
    expect(next.status).toBe(402);
    expect(next.body.error.code).toBe('BUDGET_EXCEEDED');
    expect(next.body.error.message).toContain('Repository priced spent $0.80 of a $0.50 monthly budget');
    // Free and unpriced repos have no budget to spend.
    expect(
      (await p.request('GET', '/v1/usage?group_by=repo')).body.data.groups.map((g: any) => [
        g.key,
        g.cost_usd,
      ]),
    ).toEqual([
      ['priced', 0.8],
      ['free', 0],
      ['unpriced', 0],
    ]);
  });
});
