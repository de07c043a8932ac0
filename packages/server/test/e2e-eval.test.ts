import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalReport } from '@abca/contracts';
import {
  createScriptedModelServer,
  type RecordedRequest,
  reply,
  type ScriptedModelServer,
} from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../cli/test/support/cli.ts';
import { createPostgresMemory } from '../src/adapters/memory/postgres.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * `abca eval` end to end, as a user runs it: the real CLI binary against the real platform
 * (PostgreSQL, bubblewrap, the built-in agent), a plain-git remote and the scripted model, which
 * answers by what it is asked (`reply().when(...)`). The repo's memory holds a rule ("log through
 * log.js, never console.log", marked RULE-MARK-LOG). Each task is run with memory off and on; the
 * model writes console.log (the correction repeated, the repo's style test fails) unless its prompt
 * holds the rule, when it uses the logger.
 *
 * Hydration recalls the rule into the memory-on arm's prompts (`memory.retrieved`), so that arm
 * must pass where the memory-off arm failed.
 */
const RULE = 'RULE-MARK-LOG';
const REPO = 'evalrepo';
let model: ScriptedModelServer;
let p: TestPlatform;
let dir: string;

const FILES = {
  'greet.js': GREET_OK['greet.js'],
  'log.js': 'export const lines = [];\nexport function log(line) {\n  lines.push(line);\n}\n',
  'greet.test.js':
    "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { greet } from './greet.js';\n\ntest('greets', () => assert.equal(greet('Ada'), 'Hello, Ada!'));\n",
  // The repo's style: no console in its code (what the reviewer corrected before).
  'style.test.js':
    "import assert from 'node:assert/strict';\nimport { readdirSync, readFileSync } from 'node:fs';\nimport { test } from 'node:test';\n\ntest('no console in the code', () => {\n  for (const f of readdirSync('.').filter((f) => f.endsWith('.js') && !f.endsWith('.test.js')))\n    assert.ok(!readFileSync(f, 'utf8').includes('console.'), f);\n});\n",
  'package.json': '{ "type": "module" }\n',
};

const env = () => ({ ABCA_URL: p.url, ABCA_API_KEY: p.adminKey, ABCA_HOME: p.home });
const commit = (msg: string) => ` && git add -A && git commit -qm '${msg}'`;

/** The replies of one task: with the rule in the prompt it uses the logger, without it console.log. */
function scriptTask(mark: string, withConsole: string, withLogger: string): void {
  model.script(
    reply()
      .when(mark, RULE)
      .tool('bash', { command: withLogger + commit(`${mark} with the logger`) }),
    reply().when(mark, RULE).text('Done, through the logger.'),
    reply()
      .when(mark)
      .tool('bash', { command: withConsole + commit(`${mark} with console`) }),
    reply().when(mark).text('Done.'),
  );
}

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    // No learning step: its model calls are not what this test scripts.
    ABCA_MEMORY_LEARNING: 'off',
  });
  const added = await p.request('POST', '/v1/repos', {
    body: {
      repo: REPO,
      forge: { kind: 'git', url: makeRemote(FILES) },
      settings: { test_command: 'node --test' },
    },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  await createPostgresMemory(p.platform.db).add({
    repo: REPO,
    kind: 'review_rule',
    title: 'Log through log.js, never console.log',
    body: `${RULE}: log each line with log() from log.js; console.log is not used in this repo.`,
    category: 'style',
    citations: [{ kind: 'file', path: 'log.js', line: 2 }],
    provenance: { source: 'person', by: 'admin' },
  });
  dir = mkdtempSync(join(tmpdir(), 'abca-eval-'));
}, 180_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

const hasRule = (r: RecordedRequest | undefined) => r?.rawBody.includes(RULE) ?? false;
const memoryOf = async (taskId: string) =>
  (await p.platform.db.query('SELECT memory FROM tasks WHERE task_id = $1', [taskId])).rows[0]?.memory;

describe('abca eval', () => {
  it('runs two tasks with memory off and on, one at a time, and reports both arms; --json parses', async () => {
    scriptTask(
      'EVAL-TASK-A',
      "sed -i 's/^  return/  console.log(name);\\n  return/' greet.js",
      "sed -i '1i import { log } from \"./log.js\";' greet.js && sed -i 's/^  return/  log(name);\\n  return/' greet.js",
    );
    scriptTask(
      'EVAL-TASK-B',
      "printf 'export function bye(name) {\\n  console.log(name);\\n  return name;\\n}\\n' > bye.js",
      'printf \'import { log } from "./log.js";\\nexport function bye(name) {\\n  log(name);\\n  return name;\\n}\\n\' > bye.js',
    );
    const file = join(dir, 'tasks.jsonl');
    writeFileSync(
      file,
      [
        '# Two tasks, each with the correction a reviewer made before.',
        JSON.stringify({
          id: 'greet-log',
          task: 'EVAL-TASK-A: log each greeting',
          corrections: ['console\\.log'],
        }),
        JSON.stringify({
          id: 'bye',
          task: 'EVAL-TASK-B: add bye(name), logging the name',
          corrections: [{ pattern: 'console\\.', rule: 'Use log.js, not console' }],
        }),
      ].join('\n'),
    );

    const res = await runCli(['eval', REPO, '--tasks', file, '--json'], env(), 600_000);
    expect(res.code, res.stderr).toBe(0);
    const report = EvalReport.parse(JSON.parse(res.stdout));
    // Progress went to stderr, one line per task submitted.
    expect(res.stderr).toMatch(/\[1\/4\] greet-log run 1, memory off: submitted/);
    expect(res.stderr).toMatch(/\[4\/4\] bye run 1, memory on: submitted/);

    expect(report).toMatchObject({ repo: REPO, tasks: 2, runs: 1, complete: true });
    expect(report.results.map((r) => [r.task, r.arm])).toEqual([
      ['greet-log', 'memory_off'],
      ['greet-log', 'memory_on'],
      ['bye', 'memory_off'],
      ['bye', 'memory_on'],
    ]);
    // Each arm's switch reached the task.
    for (const r of report.results) expect(await memoryOf(r.task_id)).toBe(r.arm === 'memory_on');

    // Memory off: the model was never shown the rule, wrote console.log, the style test failed (a
    // regression: the task ends FAILED, its change kept as a draft, so its diff is there to check).
    const off = report.results.filter((r) => r.arm === 'memory_off');
    for (const r of off) {
      expect(r).toMatchObject({ status: 'FAILED', validation_passed: false, corrections_checked: 1 });
      expect(r.corrections_repeated).toHaveLength(1);
      expect(r.turns).toBeGreaterThanOrEqual(2);
    }
    expect(report.arms.memory_off).toMatchObject({
      runs: 2,
      completed: 0,
      validation_passed: 0,
      validation_pass_rate: 0,
      corrections_checked: 2,
      corrections_repeated: 2,
      corrections_repeated_share: 1,
    });
    expect(report.arms.memory_off.turns_total).toBe(off[0]!.turns + off[1]!.turns);
    // One task at a time: each was submitted after the one before had ended.
    const rows = (
      await p.platform.db.query('SELECT task_id, created_at, completed_at FROM tasks WHERE repo = $1', [REPO])
    ).rows as { task_id: string; created_at: Date; completed_at: Date | null }[];
    const times = report.results.map((r) => rows.find((row) => row.task_id === r.task_id));
    for (const [i, t] of times.entries()) {
      expect(t?.completed_at).toBeTruthy();
      if (i > 0)
        expect(t!.created_at.getTime()).toBeGreaterThanOrEqual(times[i - 1]!.completed_at!.getTime());
    }
    // The model requests of each task, by when they came: the memory-off ones never held the rule.
    const requestsOf = (i: number) =>
      model.requests.filter((r) => {
        const at = new Date(r.at).getTime();
        return at >= times[i]!.created_at.getTime() && at <= times[i]!.completed_at!.getTime();
      });
    for (const i of [0, 2]) {
      expect(requestsOf(i).length).toBeGreaterThanOrEqual(2);
      expect(requestsOf(i).some(hasRule)).toBe(false);
    }

    const on = report.results.filter((r) => r.arm === 'memory_on');
    const recalled = await Promise.all(
      on.map(async (r) => (await p.allEvents(r.task_id)).some((e) => e.type === 'memory.retrieved')),
    );
    // Hydration recalls memory: the rule is in the memory-on prompts, and the model followed it.
    expect(recalled).toEqual([true, true]);
    for (const i of [1, 3]) {
      expect(requestsOf(i).length).toBeGreaterThanOrEqual(2);
      expect(requestsOf(i).every(hasRule)).toBe(true);
    }
    for (const r of on) {
      expect(r).toMatchObject({ status: 'COMPLETED', validation_passed: true, corrections_repeated: [] });
    }
    expect(report.arms.memory_on).toMatchObject({ validation_pass_rate: 1, corrections_repeated_share: 0 });
    expect(report.deltas).toMatchObject({ validation_pass_rate: 1, corrections_repeated_share: -1 });
  }, 700_000);

  it('Ctrl-C cancels the task it left running and prints both arms of what ended', async () => {
    model.reset();
    model.script(
      reply()
        .when('EVAL-TASK-C')
        .tool('bash', { command: `echo c > c.txt${commit('C')}` }),
      reply().when('EVAL-TASK-C').text('Done.'),
      reply().when('EVAL-TASK-C').hang(),
    );
    const file = join(dir, 'hang.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'hang', task: 'EVAL-TASK-C: write c.txt' })}\n`);
    const cli = spawnCli(['eval', REPO, '--tasks', file], env(), 600_000);
    await cli.waitFor('stderr', /\[2\/2\] hang run 1, memory on: submitted (\w+)/);
    const onId = /\[2\/2\] hang run 1, memory on: submitted (\w+)/.exec(cli.stderr())?.[1] as string;
    // The memory-on task's model request hangs: it is running when Ctrl-C comes.
    await model.waitForRequest(3, 300_000);
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toContain(`Interrupted: cancelled task ${onId}`);
    expect(res.stdout).toContain('Interrupted: the figures cover the runs that ended.');
    expect(res.stdout).toMatch(/^validation pass rate\s+100% \(1\/1\)\s+- \(0\/0\)\s+-$/m);
    expect(res.stdout).toMatch(/^completed\s+1\/1\s+0\/0$/m);
    expect(res.stdout).toMatch(/hang {2}run 1 {2}memory off .* COMPLETED {2}validation passed/);
    const cancelled = await p.waitFor(onId, (t) => t.status === 'CANCELLED', 120_000);
    expect(cancelled.status).toBe('CANCELLED');
  }, 700_000);
});
