import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { createBubblewrapBackend } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRemote } from './support/git-remote.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The environment cache in the whole platform: plain-git repos whose setup writes dependencies,
 * real bubblewrap sandboxes, the built-in agent driven by a scripted model. Setup runs once per key;
 * a task changing its dependencies never changes what the next one gets; a key change, an opt-out,
 * a failed setup, a damaged cache and two tasks filling at once each end with a correct workspace.
 */
const bwrap = await createBubblewrapBackend().available();
const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];
// Writes dependencies and a stamp unique to this run of setup, and takes measurable time.
const SETUP =
  'mkdir -p node_modules/x && echo v1 > node_modules/x/index.js && date +%s%N > node_modules/.stamp && sleep 1';
const FILES = {
  'package.json': '{ "name": "app" }\n',
  'package-lock.json': '{ "lockfileVersion": 3 }\n',
  '.gitignore': 'node_modules/\n',
  'README.md': '# app\n',
};
// Also writes outside the workspace: beside it, in /tmp and in the home folder (each may be refused).
const OUTSIDE_SETUP = `mkdir -p node_modules/x && echo v1 > node_modules/x/index.js; echo evil > ../outside-marker; echo evil > /tmp/abca-outside-marker; mkdir -p "$HOME/.cache" && echo evil > "$HOME/.cache/abca-outside-marker"; true`;
let model: ScriptedModelServer;
let p: TestPlatform;
const remotes: Record<string, string> = {};

/**
 * The agent of every task: runs the command the task names (base64 between `CMD<` and `>`), then
 * commits a note and ends. Answered per request, so tasks running at once each get their own turns.
 */
function agent(request: { rawBody: string }) {
  if (request.rawBody.includes('tool_result')) return reply().text('Done.');
  const cmd = /CMD<([A-Za-z0-9+/=]*)>/.exec(request.rawBody)?.[1] ?? '';
  const run = Buffer.from(cmd, 'base64').toString('utf8');
  return reply().tool('bash', {
    command: `${run ? `${run}; ` : ''}echo note >> notes.txt && git add notes.txt && git commit -q -m note`,
  });
}

beforeAll(async () => {
  if (!bwrap.ok) return;
  model = await createScriptedModelServer();
  model.onRequest(agent);
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-env-cache-test-1',
  });
  for (const [repo, setup] of [
    ['app', SETUP],
    ['broken', 'mkdir -p node_modules/x && echo v1 > node_modules/x/index.js && exit 3'],
    ['pair', SETUP],
    ['outside', OUTSIDE_SETUP],
  ] as const) {
    remotes[repo] = makeRemote(FILES);
    const made = await p.request('POST', '/v1/repos', {
      body: {
        repo,
        forge: { kind: 'git', url: remotes[repo] },
        settings: { setup_command: setup, test_command: 'test -f node_modules/x/index.js' },
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

async function runTask(repo: string, cmd = '') {
  const created = await p.request('POST', '/v1/tasks', {
    body: { repo, task_description: `Add a note. CMD<${Buffer.from(cmd).toString('base64')}>` },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.task_id as string;
}

async function finished(id: string) {
  const task = await p.waitFor(id, (t) => TERMINAL.includes(t.status), 120_000);
  const events = await p.allEvents(id);
  return {
    task,
    events,
    types: events.map((e) => e.type as string),
    of: (t: string) => events.filter((e) => e.type === t),
  };
}

const wsFile = (id: string, path: string) =>
  readFileSync(join(p.home, 'workspaces', id.toLowerCase(), path), 'utf8');
const envRoot = () => join(p.home, 'cache', 'env');
/** The snapshots on disk, by repo (each folder with a manifest). */
function snapshotsOf(repo: string): string[] {
  if (!existsSync(envRoot())) return [];
  return readdirSync(envRoot()).filter((k) => {
    try {
      return JSON.parse(readFileSync(join(envRoot(), k, 'manifest.json'), 'utf8')).repo === repo;
    } catch {
      return false;
    }
  });
}

function pushToRemote(remote: string, path: string, content: string) {
  const work = mkdtempSync(join(tmpdir(), 'abca-push-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', work, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  execFileSync('git', ['clone', '-q', remote, work]);
  writeFileSync(join(work, path), content);
  git('commit', '-qam', `Change ${path}`);
  git('push', '-q', 'origin', 'HEAD:main');
  rmSync(work, { recursive: true, force: true });
}

describe.skipIf(!bwrap.ok)('the environment cache in a running platform', () => {
  let stamp: string;

  it('runs setup once: the first task fills, the next gets the snapshot without running setup', async () => {
    const first = await finished(await runTask('app'));
    expect(first.task.status, JSON.stringify(first.task.error)).toBe('COMPLETED');
    expect(first.of('env_cache.miss')[0]?.data).toMatchObject({ reason: 'no_snapshot' });
    expect(first.of('preflight.setup')[0]?.data).toMatchObject({ ok: true });
    const saved = first.of('env_cache.saved')[0]?.data;
    expect(saved).toMatchObject({ files: 2 });
    stamp = wsFile(first.task.task_id, 'node_modules/.stamp');
    expect(snapshotsOf('app')).toHaveLength(1);

    // The second task changes its dependencies (and leaves a file of its own among them).
    const second = await finished(
      await runTask(
        'app',
        'echo hacked > node_modules/x/index.js && rm node_modules/.stamp && touch node_modules/evil',
      ),
    );
    expect(second.task.status, JSON.stringify(second.task.error)).toBe('COMPLETED');
    expect(second.types).not.toContain('preflight.setup');
    expect(second.types).not.toContain('env_cache.miss');
    expect(second.of('env_cache.hit')[0]?.data).toMatchObject({ files: 2, baseline_reused: true });
    expect(second.of('preflight.baseline')[0]?.data).toMatchObject({ check: 'test', ok: true });
    expect(wsFile(second.task.task_id, 'node_modules/x/index.js')).toBe('hacked\n');

    // What the second task did is not what the third gets: the snapshot, as setup left it.
    const third = await finished(await runTask('app', 'cat node_modules/x/index.js node_modules/.stamp'));
    expect(third.task.status).toBe('COMPLETED');
    expect(third.of('env_cache.hit')).toHaveLength(1);
    expect(wsFile(third.task.task_id, 'node_modules/x/index.js')).toBe('v1\n');
    expect(wsFile(third.task.task_id, 'node_modules/.stamp')).toBe(stamp);
    expect(
      existsSync(join(p.home, 'workspaces', third.task.task_id.toLowerCase(), 'node_modules/evil')),
    ).toBe(false);
    const seen = third.of('agent.tool_call')[0]?.data.result as string;
    expect(seen).toContain('v1');
    expect(seen).toContain(stamp.trim());
    // Counted in the metrics too.
    const metrics = await p.request('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/abca_env_cache_lookups_total\{outcome="hit"\} 2/);
    expect(String(metrics.body)).toMatch(/abca_env_cache_lookups_total\{outcome="no_snapshot"\} 1/);
  }, 300_000);

  it('runs setup again after a lockfile change on the remote (the key changed)', async () => {
    pushToRemote(remotes.app as string, 'package-lock.json', '{ "lockfileVersion": 3, "x": "2.0.0" }\n');
    const t = await finished(await runTask('app'));
    expect(t.task.status).toBe('COMPLETED');
    expect(t.of('env_cache.miss')[0]?.data).toMatchObject({ reason: 'key_changed' });
    expect(t.of('preflight.setup')).toHaveLength(1);
    expect(wsFile(t.task.task_id, 'node_modules/.stamp')).not.toBe(stamp);
    expect(t.of('env_cache.saved')).toHaveLength(1);
    expect(snapshotsOf('app')).toHaveLength(2);
  }, 120_000);

  it('neither hits nor fills for a repo that opts out', async () => {
    const off = await p.request('PATCH', '/v1/repos/app', {
      body: { settings: { env_cache: { enabled: false } } },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    try {
      const t = await finished(await runTask('app'));
      expect(t.task.status).toBe('COMPLETED');
      expect(t.of('env_cache.miss')[0]?.data).toEqual({ reason: 'disabled' });
      expect(t.of('preflight.setup')).toHaveLength(1);
      expect(t.types.filter((x) => x.startsWith('env_cache.'))).toEqual(['env_cache.miss']);
    } finally {
      await p.request('PATCH', '/v1/repos/app', { body: { settings: { env_cache: { enabled: true } } } });
    }
  }, 120_000);

  it('never fills from a failed setup', async () => {
    const t = await finished(await runTask('broken'));
    expect(t.task.status).toBe('FAILED');
    expect(t.task.error.code).toBe('SETUP_FAILED');
    expect(t.types).not.toContain('env_cache.saved');
    expect(snapshotsOf('broken')).toEqual([]);
  }, 120_000);

  it('a damaged or removed cache folder under the running platform is a miss, and the task completes', async () => {
    for (const key of snapshotsOf('app')) writeFileSync(join(envRoot(), key, 'manifest.json'), '{"version":');
    const damaged = await finished(await runTask('app'));
    expect(damaged.task.status).toBe('COMPLETED');
    expect(damaged.of('env_cache.miss')[0]?.data).toMatchObject({ reason: 'corrupted' });
    expect(damaged.of('preflight.setup')).toHaveLength(1);

    rmSync(envRoot(), { recursive: true, force: true });
    const removed = await finished(await runTask('app'));
    expect(removed.task.status).toBe('COMPLETED');
    expect(removed.of('env_cache.miss')[0]?.data).toMatchObject({ reason: 'no_snapshot' });
    expect(removed.of('env_cache.saved')).toHaveLength(1);
    expect(snapshotsOf('app')).toHaveLength(1);
  }, 240_000);

  it('a setup that writes outside the workspace: only the workspace is kept, and the next task is correct', async () => {
    const first = await finished(await runTask('outside'));
    expect(first.task.status, JSON.stringify(first.task.error)).toBe('COMPLETED');
    expect(first.of('env_cache.saved')).toHaveLength(1);
    const [key] = snapshotsOf('outside');
    // The snapshot holds what setup left in the workspace, and nothing it wrote anywhere else.
    expect(readdirSync(join(envRoot(), key as string, 'files'))).toEqual(['node_modules']);
    expect(existsSync(join(p.home, 'workspaces', 'outside-marker'))).toBe(false);

    const second = await finished(
      await runTask(
        'outside', // Exits before the note is committed when the dependency or the workspace's surroundings are wrong.
        '{ test "$(cat node_modules/x/index.js)" = v1 && test ! -e ../outside-marker; } || exit 9',
      ),
    );
    expect(second.task.status, JSON.stringify(second.task.error)).toBe('COMPLETED');
    expect(second.of('env_cache.hit')).toHaveLength(1);
    expect(second.of('preflight.setup')).toHaveLength(0);
    expect(wsFile(second.task.task_id, 'notes.txt')).toBe('note\n');
  }, 240_000);

  it('two tasks filling one key at once: one snapshot, both complete', async () => {
    const ids = [await runTask('pair'), await runTask('pair')];
    const both = await Promise.all(ids.map(finished));
    for (const t of both) expect(t.task.status, JSON.stringify(t.task.error)).toBe('COMPLETED');
    const outcomes = both.flatMap((t) =>
      t.types.filter(
        (x) => x === 'env_cache.saved' || x === 'env_cache.save_skipped' || x === 'env_cache.hit',
      ),
    );
    expect(outcomes.filter((x) => x === 'env_cache.saved')).toHaveLength(1);
    expect(snapshotsOf('pair')).toHaveLength(1);
  }, 240_000);
});
