import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createGitForge } from '../src/adapters/forge/git/forge.ts';
import { createLocalGit } from '../src/adapters/workspaces/local-git.ts';
import { createDiskEnvCache } from '../src/env-cache/disk-env-cache.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { TaskContext } from '../src/orchestrator/task-context.ts';
import { createSandboxPool, type SandboxPool } from '../src/orchestrator/workspace/sandbox-pool.ts';
import {
  createTaskWorkspaces,
  readyFile,
  type TaskWorkspaces,
} from '../src/orchestrator/workspace/task-workspace.ts';
import type { Forge } from '../src/ports/forge.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { listEvents } from '../src/store/event-store.ts';
import { insertRepo } from '../src/store/repo-store.ts';
import type { TaskRow } from '../src/store/task-row.ts';
import { getTask } from '../src/store/task-store.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';
import { createTask } from './support/stored-task.ts';

/**
 * The task's workspace against real PostgreSQL, the plain-git forge, the Workspaces port and a
 * bubblewrap sandbox: what "another machine" looks like is two workspace roots and caches over
 * one database.
 */
let db: Db;
const root = mkdtempSync(join(tmpdir(), 'abca-task-ws-'));
const backend = createBubblewrapBackend();
const log = createLogger({ level: 'silent' });
const pools: SandboxPool[] = [];

interface Machine {
  sandboxes: SandboxPool;
  taskWorkspaces: TaskWorkspaces;
}

function machine(name: string): Machine {
  const sandboxes = createSandboxPool({
    backend,
    workspaceRoot: join(root, name, 'workspaces'),
    onEvent: () => {},
  });
  pools.push(sandboxes);
  const local = createLocalGit({ cacheDir: join(root, name, 'cache'), remote: (r) => forge.gitRemote(r) });
  const forge: Forge = createGitForge({ db, git: local.git, mirrors: local.mirrors });
  const taskWorkspaces = createTaskWorkspaces({
    db,
    workspaces: local.workspaces,
    sandboxes,
    limits: {
      maxFiles: 10_000,
      maxCheckoutBytes: 1e9,
      maxCaptureBytes: 1024 * 1024,
      maxFileBytes: 1024 * 1024,
    },
    secrets: [],
    executorId: `${name}-worker-1`,
    log,
    envCache: createDiskEnvCache({ root: join(root, name, 'cache', 'env'), enabled: true, maxBytes: 1e9 }),
  });
  return { sandboxes, taskWorkspaces };
}

beforeAll(async () => {
  db = createPool(await createTestDatabase('checkpoint'));
  await migrate(db);
  await createApiKey(db, { name: 'u', userId: 'u1', role: 'member' });
  await insertRepo(db, {
    repo: 'local/greet',
    forge: { kind: 'git', url: makeRemote(GREET_OK) },
    settings: { default_branch: 'main', setup_command: 'echo ready > .setup-ran' },
  });
});
afterAll(async () => {
  for (const p of pools) await p.stopAll();
  await db.end();
  rmSync(root, { recursive: true, force: true });
});

const emit =
  (taskId: string) =>
  async (type: string, data: Record<string, unknown> = {}) => {
    await db.query(
      'INSERT INTO task_events (task_id, seq, type, data) SELECT $1, coalesce(max(seq), 0) + 1, $2, $3 FROM task_events WHERE task_id = $1',
      [taskId, type, JSON.stringify(data)],
    );
  };

/** A task that went through pre-flight on machine `a`: its workspace made there, its context stored. */
async function taskOn(a: Machine): Promise<{ task: TaskRow; ctx: TaskContext }> {
  const created = await createTask(db, {
    repo: 'local/greet',
    task_description: 'x',
    user_id: 'u1',
    max_turns: 5,
  });
  if (created.kind !== 'created') throw new Error('setup');
  const id = created.task.task_id;
  const branch = `abca/${id.toLowerCase()}/greet`;
  const ctx: TaskContext = {
    prompt: 'x',
    settings: { default_branch: 'main', setup_command: 'echo ready > .setup-ran' },
    instructions: [],
    warnings: [],
    baseline: [],
  };
  await db.query('UPDATE tasks SET branch_name = $2 WHERE task_id = $1', [id, branch]);
  const made = await a.taskWorkspaces.create((await getTask(db, id)) as TaskRow, ctx, {
    signal: new AbortController().signal,
  });
  const full = { ...ctx, baseCommit: made.baseCommit };
  await db.query('UPDATE tasks SET context = $2 WHERE task_id = $1', [id, JSON.stringify(full)]);
  return { task: (await getTask(db, id)) as TaskRow, ctx: full };
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', `safe.directory=${dir}`, '-C', dir, ...args], { encoding: 'utf8' }).trim();

const signal = () => new AbortController().signal;

describe('the task workspace', () => {
  it('is made fresh in pre-flight and kept when made again (a re-run after a crash)', async () => {
    const a = machine('a0');
    const { task, ctx } = await taskOn(a);
    const dir = a.taskWorkspaces.dirOf(task.task_id);
    expect(readFileSync(join(dir, 'greet.js'), 'utf8')).toContain('export function greet');
    expect(existsSync(readyFile(dir))).toBe(true);
    writeFileSync(join(dir, 'work-in-progress.txt'), 'wip\n');
    const again = await a.taskWorkspaces.create(task, ctx, { signal: signal() });
    expect(again.baseCommit).toBe(ctx.baseCommit);
    expect(readFileSync(join(dir, 'work-in-progress.txt'), 'utf8')).toBe('wip\n');
  });

  it('restores the work on another machine, runs setup there, and counts a half-done restore as missing', async () => {
    const a = machine('a');
    const b = machine('b');
    const { task, ctx } = await taskOn(a);
    const id = task.task_id;
    const sandbox = await a.sandboxes.acquire(id, []);
    await sandbox.exec(
      "printf 'changed\\n' > greet.js && git commit -qam 'Change greet' && echo wip > NOTES.md",
    );
    expect(await a.taskWorkspaces.checkpoint(task, ctx, sandbox, { emit: emit(id) })).toBeUndefined();
    await a.sandboxes.release(id);

    // Machine b has no workspace: it comes back from the checkpoint, leftovers included.
    const first = await b.taskWorkspaces.open(task, ctx, 'restored', { emit: emit(id), signal: signal() });
    expect(first).toMatchObject({ ok: true, state: 'restored' });
    const dir = b.taskWorkspaces.dirOf(id);
    expect(readFileSync(join(dir, 'greet.js'), 'utf8')).toBe('changed\n');
    expect(readFileSync(join(dir, 'NOTES.md'), 'utf8')).toBe('wip\n');
    expect(existsSync(join(dir, '.setup-ran'))).toBe(true);
    expect(git(dir, 'rev-list', '--count', `${ctx.baseCommit}..HEAD`)).toBe('2');
    expect(existsSync(readyFile(dir))).toBe(true);
    // Now it is present.
    expect(
      await b.taskWorkspaces.open(task, ctx, 'restored', { emit: emit(id), signal: signal() }),
    ).toMatchObject({
      state: 'present',
    });

    // A crash half-way through a restore leaves a `.git` but no ready record: it is restored
    // again, in a fresh folder: the sandbox may have run in the old one, so nothing of it is used.
    const pwned = join(root, 'pwned');
    writeFileSync(join(dir, '.git', 'config'), `[core]\n\tfsmonitor = touch ${pwned}\n`, { flag: 'a' });
    writeFileSync(join(dir, 'STALE.md'), 'stale\n');
    rmSync(readyFile(dir));
    await b.sandboxes.release(id);
    const again = await b.taskWorkspaces.open(task, ctx, 'restored', { emit: emit(id), signal: signal() });
    expect(again).toMatchObject({ ok: true, state: 'restored' });
    expect(readFileSync(join(dir, 'greet.js'), 'utf8')).toBe('changed\n');
    expect(existsSync(join(dir, 'STALE.md'))).toBe(false);
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
    const types = (await listEvents(db, id, { after: 0, limit: 100 })).map((e) => e.type);
    expect(types.filter((t) => t === 'workspace.restored')).toHaveLength(2);
    expect(types).toContain('workspace.checkpoint_saved');
  });

  it('without a checkpoint: WORKSPACE_LOST for finalization, a new workspace and baseline for the agent', async () => {
    const a = machine('a2');
    const forgotten: string[] = [];
    const c = machine('c');
    const { task, ctx } = await taskOn(a);
    expect(
      await c.taskWorkspaces.open(task, ctx, 'restored', { emit: emit(task.task_id), signal: signal() }),
    ).toMatchObject({
      ok: false,
      error: { code: 'WORKSPACE_LOST', retryable: true },
    });
    const made = await c.taskWorkspaces.open(task, ctx, 'restored-or-recreated', {
      emit: emit(task.task_id),
      signal: signal(),
      onRecreated: async () => {
        forgotten.push(task.task_id);
      },
    });
    expect(made).toMatchObject({ ok: true, state: 'recreated' });
    expect(forgotten).toEqual([task.task_id]);
    // The new base is stored with the task, so finalization counts the task's commits from it.
    const stored = (await getTask(db, task.task_id))?.context as unknown as TaskContext;
    expect(stored.baseCommit).toBe(git(c.taskWorkspaces.dirOf(task.task_id), 'rev-parse', 'HEAD'));
    expect(stored.baseline).toEqual([]);
  });

  it('ends a checkpoint over the size limit with WORK_TOO_LARGE, saving nothing', async () => {
    const a = machine('a3');
    const { task, ctx } = await taskOn(a);
    const sandbox = await a.sandboxes.acquire(task.task_id, []);
    // Files each under the file limit (1 MiB), together over the capture limit (1 MiB).
    await sandbox.exec(
      'for i in 1 2 3 4; do head -c 600000 /dev/urandom > blob$i.bin; done && git add -A && git commit -qm blob',
    );
    const failure = await a.taskWorkspaces.checkpoint(task, ctx, sandbox, { emit: emit(task.task_id) });
    expect(failure).toMatchObject({ code: 'WORK_TOO_LARGE', retryable: false });
    expect(failure?.message).toMatch(/over the 1048576-byte limit/);
    const saved = await db.query('SELECT 1 FROM workspace_snapshots WHERE task_id = $1', [task.task_id]);
    expect(saved.rowCount).toBe(0);
  });
});
