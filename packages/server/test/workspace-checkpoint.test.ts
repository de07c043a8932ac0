import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBubblewrapBackend } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createGitForge } from '../src/adapters/forge/git/forge.ts';
import { createLogger } from '../src/ops/logger.ts';
import type { OrchestratorDeps } from '../src/orchestrator/deps.ts';
import { createSandboxPool } from '../src/orchestrator/sandboxes.ts';
import type { TaskContext } from '../src/orchestrator/task-context.ts';
import { ensureWorkspace, saveCheckpoint } from '../src/orchestrator/workspace-checkpoint.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { listEvents } from '../src/store/event-store.ts';
import { insertRepo } from '../src/store/repo-store.ts';
import type { TaskRow } from '../src/store/task-row.ts';
import { createTask, getTask } from '../src/store/task-store.ts';
import { GREET_OK, makeRemote } from './support/git-remote.ts';

/**
 * The checkpoint helpers against real PostgreSQL, the plain-git forge and a bubblewrap sandbox:
 * what "another machine" looks like is two workspace roots over one database.
 */
let db: Db;
const root = mkdtempSync(join(tmpdir(), 'abca-checkpoint-'));
const backend = createBubblewrapBackend();
const log = createLogger({ level: 'silent' });
const pools: ReturnType<typeof createSandboxPool>[] = [];

function machine(name: string, forgotten: string[] = []): OrchestratorDeps {
  const sandboxes = createSandboxPool({ backend, workspaceRoot: join(root, name, 'workspaces') });
  pools.push(sandboxes);
  return {
    db,
    forge: createGitForge({ db, cacheDir: join(root, name, 'cache') }),
    agentRuntime: {
      kind: 'test',
      preflight: async () => ({ ok: true }),
      run: async () => {
        throw new Error('not used');
      },
      forget: async (taskId: string) => {
        forgotten.push(taskId);
      },
    },
    sandboxes,
    log,
    secrets: [],
    executorId: `${name}-worker-1`,
    config: { checkpointMaxBytes: 1024 * 1024 },
  } as unknown as OrchestratorDeps;
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
async function taskOn(a: OrchestratorDeps): Promise<{ task: TaskRow; ctx: TaskContext }> {
  const created = await createTask(db, {
    repo: 'local/greet',
    task_description: 'x',
    user_id: 'u1',
    max_turns: 5,
  });
  if (created.kind !== 'created') throw new Error('setup');
  const id = created.task.task_id;
  const branch = `abca/${id.toLowerCase()}/greet`;
  const repo = {
    repo: 'local/greet',
    defaultBranch: 'main',
    forge: (await db.query('SELECT forge FROM repos')).rows[0].forge,
  };
  const { baseCommit } = await a.forge.createWorkspace(repo, { dir: a.sandboxes.workspaceDir(id), branch });
  const ctx: TaskContext = {
    prompt: 'x',
    settings: { default_branch: 'main', setup_command: 'echo ready > .setup-ran' },
    instructions: [],
    warnings: [],
    baseCommit,
    baseline: [],
  };
  await db.query('UPDATE tasks SET branch_name = $2, context = $3 WHERE task_id = $1', [
    id,
    branch,
    JSON.stringify(ctx),
  ]);
  return { task: (await getTask(db, id)) as TaskRow, ctx };
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', `safe.directory=${dir}`, '-C', dir, ...args], { encoding: 'utf8' }).trim();

describe('workspace checkpoints', () => {
  it('restores the work on another machine, runs setup there, and counts a half-done restore as missing', async () => {
    const a = machine('a');
    const b = machine('b');
    const { task, ctx } = await taskOn(a);
    const id = task.task_id;
    const sandbox = await a.sandboxes.acquire(id, { allowedHosts: [], onEvent: () => {} });
    await sandbox.exec(
      "printf 'changed\\n' > greet.js && git commit -qam 'Change greet' && echo wip > NOTES.md",
    );
    await saveCheckpoint(a, task, ctx, sandbox, emit(id));
    await a.sandboxes.release(id);

    // Machine b has no workspace: it comes back from the checkpoint, leftovers included.
    const first = await ensureWorkspace(b, task, ctx, {
      emit: emit(id),
      signal: new AbortController().signal,
    });
    expect(first).toMatchObject({ ok: true, state: 'restored' });
    const dir = b.sandboxes.workspaceDir(id);
    expect(readFileSync(join(dir, 'greet.js'), 'utf8')).toBe('changed\n');
    expect(readFileSync(join(dir, 'NOTES.md'), 'utf8')).toBe('wip\n');
    expect(existsSync(join(dir, '.setup-ran'))).toBe(true);
    expect(git(dir, 'rev-list', '--count', `${ctx.baseCommit}..HEAD`)).toBe('2');
    expect(existsSync(`${dir}.moving`)).toBe(false);
    // Now it is present.
    expect(
      await ensureWorkspace(b, task, ctx, { emit: emit(id), signal: new AbortController().signal }),
    ).toMatchObject({
      state: 'present',
    });

    // A crash half-way through a restore leaves a `.git` and the marker: it is restored again, in
    // a fresh clone: the sandbox may have run in the old one, so its git config is never used.
    git(dir, 'reset', '-q', '--hard', ctx.baseCommit as string);
    const pwned = join(root, 'pwned');
    writeFileSync(join(dir, '.git', 'config'), `[core]\n\tfsmonitor = touch ${pwned}\n`, { flag: 'a' });
    writeFileSync(`${dir}.moving`, 'b-worker-1');
    await b.sandboxes.release(id);
    const again = await ensureWorkspace(b, task, ctx, {
      emit: emit(id),
      signal: new AbortController().signal,
    });
    expect(again).toMatchObject({ ok: true, state: 'restored' });
    expect(readFileSync(join(dir, 'greet.js'), 'utf8')).toBe('changed\n');
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
    const types = (await listEvents(db, id, { after: 0, limit: 100 })).map((e) => e.type);
    expect(types.filter((t) => t === 'workspace.restored')).toHaveLength(2);
    expect(types).toContain('workspace.checkpoint_saved');
  });

  it('without a checkpoint: WORKSPACE_LOST for finalization, a new workspace and baseline for the agent', async () => {
    const a = machine('a2');
    const forgotten: string[] = [];
    const c = machine('c', forgotten);
    const { task, ctx } = await taskOn(a);
    const signal = new AbortController().signal;
    expect(await ensureWorkspace(c, task, ctx, { emit: emit(task.task_id), signal })).toMatchObject({
      ok: false,
      error: { code: 'WORKSPACE_LOST', retryable: true },
    });
    const made = await ensureWorkspace(c, task, ctx, {
      emit: emit(task.task_id),
      signal,
      recreate: async () => c.agentRuntime.forget?.(task.task_id),
    });
    expect(made).toMatchObject({ ok: true, state: 'recreated' });
    expect(forgotten).toEqual([task.task_id]);
    // The new base is stored with the task, so finalization counts the task's commits from it.
    const stored = (await getTask(db, task.task_id))?.context as unknown as TaskContext;
    expect(stored.baseCommit).toBe(git(c.sandboxes.workspaceDir(task.task_id), 'rev-parse', 'HEAD'));
    expect(stored.baseline).toEqual([]);
  });
});
