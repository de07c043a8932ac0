import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createScriptedModelServer, loadScript, type ScriptedModelServer } from '@abca/model-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * The newcomer's first run, end to end: the example repo as a plain git remote, the shipped
 * scripted model, the real platform (PostgreSQL, bubblewrap, the built-in agent) and the real CLI.
 * `abca submit --wait` ends COMPLETED, the branch is on the remote, and ABCA keeps a PR whose diff
 * is the scripted change.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const abca = join(root, 'packages/cli/bin/abca.js');
const run = promisify(execFile);
let model: ScriptedModelServer;
let server: PlatformProcess;
let env: Record<string, string>;
let remote: string;

beforeAll(async () => {
  model = await createScriptedModelServer();
  model.script(...(await loadScript(join(root, 'examples/hello/script.json'))));
  const home = mkdtempSync(join(tmpdir(), 'abca-e2e-'));
  remote = execFileSync(join(root, 'examples/hello/make-remote.sh'), [join(home, 'remotes/hello.git')], {
    encoding: 'utf8',
  }).trim();
  env = {
    ABCA_HOME: home,
    ABCA_PORT: '0',
    DATABASE_URL: await createTestDatabase('e2e'),
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_RECONCILE_MS: '200',
  };
  server = await spawnPlatform('serve', env);
}, 120_000);
afterAll(async () => {
  await server?.kill('SIGTERM');
  await model?.close();
});

const cli = (args: string[]) =>
  run(process.execPath, [abca, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('first run on a plain git repo', () => {
  it('submit --wait ends COMPLETED with the branch pushed and a PR record holding the change', async () => {
    const add = await cli(['repos', 'add', 'hello', '--forge', 'git', '--git-url', remote, '--json']);
    expect(add.code, add.stderr).toBe(0);
    const api = JSON.parse(
      execFileSync('cat', [join(env.ABCA_HOME as string, 'server.json')], { encoding: 'utf8' }),
    ) as { url: string };
    const key = execFileSync('cat', [join(env.ABCA_HOME as string, 'admin.key')], {
      encoding: 'utf8',
    }).trim();
    const patched = await fetch(`${api.url}/v1/repos/hello`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { test_command: 'node --test', validation_mode: 'strict' } }),
    });
    expect(patched.status).toBe(200);

    const submit = await cli(['submit', '--repo', 'hello', 'Make greet() greet people by name', '--wait']);
    expect(submit.code, `${submit.stdout}\n${submit.stderr}`).toBe(0);
    const progress = `${submit.stdout}\n${submit.stderr}`;
    expect(progress).toMatch(/pre-flight/);
    expect(progress).toMatch(/agent-execution/);
    expect(progress).toMatch(/COMPLETED/);

    const tasks = await cli(['tasks', '--json']);
    const task = JSON.parse(tasks.stdout)[0] ?? JSON.parse(tasks.stdout).data?.[0];
    const id = task.task_id as string;
    const detail = JSON.parse((await cli(['status', id, '--json'])).stdout);
    const t = detail.data ?? detail;
    expect(t.status).toBe('COMPLETED');
    expect(t.outcome.validation).toMatchObject({ mode: 'strict', passed: true });
    expect(t.outcome.validation.checks[0]).toMatchObject({ name: 'test', ok: true, baselineOk: false });

    // The branch is on the remote at the PR's head.
    const refs = execFileSync('git', ['-C', remote, 'for-each-ref', '--format=%(refname) %(objectname)'], {
      encoding: 'utf8',
    });
    expect(refs).toContain(`refs/heads/${t.branch_name}`);

    // ABCA's PR record: the scripted change, nothing else.
    const diff = await fetch(`${api.url}/v1/tasks/${id}/diff?format=raw`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(diff.status).toBe(200);
    const text = await diff.text();
    expect(text).toContain("-  return 'hi';");
    // The scripted change's line, a template literal in the example repo's source.
    expect(text).toContain(['+  return `Hello, $', '{name}!`;'].join(''));
    expect(text.match(/^diff --git/gm)).toHaveLength(1);

    // Nothing left in the script, and the agent's first request carried the repo's own instructions.
    expect(model.pending).toBe(0);
    expect(JSON.stringify(model.requests[0]?.body)).toContain('Keep `greet.js` dependency-free');
  }, 180_000);
});
