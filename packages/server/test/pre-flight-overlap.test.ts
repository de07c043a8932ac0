import type { Sandbox } from '@abca/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createLogger } from '../src/ops/logger.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import type { OrchestratorDeps } from '../src/orchestrator/deps.ts';
import type { StepContext } from '../src/orchestrator/step.ts';
import { preflightStep } from '../src/orchestrator/steps/pre-flight.ts';
import type { TaskContext } from '../src/orchestrator/task-context.ts';
import { WorkspaceError } from '../src/ports/workspaces.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { appendEvent, listEvents } from '../src/store/event-store.ts';
import { insertRepo } from '../src/store/repo-store.ts';
import type { TaskRow } from '../src/store/task-row.ts';
import { getTask } from '../src/store/task-store.ts';
import { createTask } from './support/stored-task.ts';

/**
 * Pre-flight makes the workspace while its checks (forge access, the model, the branch) run, not
 * after them: against real PostgreSQL, with ports that say when they are called and wait for the
 * test to let them go. A check that refuses stops the workspace being made and waits for it to end
 * before the step returns; the checks keep their order and their say over the failure.
 */
let db: Db;
const log = createLogger({ level: 'silent' });
const SETTINGS = { default_branch: 'main' };

beforeAll(async () => {
  db = createPool(await createTestDatabase('preflight'));
  await migrate(db);
  await createApiKey(db, { name: 'u', userId: 'u1', role: 'member' });
  await insertRepo(db, {
    repo: 'local/app',
    forge: { kind: 'git', url: '/nowhere.git' },
    settings: SETTINGS,
  });
});
afterAll(async () => {
  await db.end();
});

/** A task in HYDRATING with its context, as hydration leaves it. */
async function hydratedTask(): Promise<TaskRow> {
  const created = await createTask(db, {
    repo: 'local/app',
    task_description: 'x',
    user_id: 'u1',
    max_turns: 5,
  });
  if (created.kind !== 'created') throw new Error('setup');
  const id = created.task.task_id;
  const ctx: TaskContext = { prompt: 'x', settings: SETTINGS, instructions: [], warnings: [] };
  await db.query("UPDATE tasks SET status = 'HYDRATING', branch_name = $2, context = $3 WHERE task_id = $1", [
    id,
    `abca/${id.toLowerCase()}/x`,
    JSON.stringify(ctx),
  ]);
  return (await getTask(db, id)) as TaskRow;
}

/** A promise with its resolve, and whether it was. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => {
    open = r;
  });
  return { p, open };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);

const sandbox = {
  workspacePath: '/workspace',
  exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
} as unknown as Sandbox;

/**
 * Ports that record what happened in order. `create` starts, tells `createStarted`, then waits for
 * `createGo` (or its signal: then it records the abort, waits `settleMs` and throws).
 */
function world(opts: {
  access?: () => Promise<{ ok: true } | { ok: false; code: 'INSUFFICIENT_PERMISSIONS'; message: string }>;
  branchHead?: string;
  createFails?: Error;
  settleMs?: number;
}) {
  const order: string[] = [];
  const createStarted = gate();
  const createGo = gate();
  let createAborted = false;
  const deps = {
    db,
    log,
    metrics: createMetrics(db),
    drain: { deadline: new AbortController().signal },
    notifier: { notify: async () => {} },
    wake: () => {},
    sandboxes: { kind: 'test' },
    secrets: [],
    forge: {
      async checkAccess() {
        order.push('access:start');
        const res = (await opts.access?.()) ?? { ok: true as const };
        order.push('access:end');
        return res;
      },
    },
    agentRuntime: {
      kind: 'test',
      async preflight() {
        order.push('model');
        return { ok: true };
      },
    },
    workspaces: {
      async remoteHead() {
        order.push('branch');
        return opts.branchHead;
      },
    },
    taskWorkspaces: {
      dirOf: () => '/nowhere',
      async create(_task: TaskRow, _ctx: TaskContext, { signal }: { signal: AbortSignal }) {
        order.push('create:start');
        createStarted.open();
        await Promise.race([
          createGo.p,
          new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
        ]);
        if (signal.aborted) {
          createAborted = true;
          await new Promise((r) => setTimeout(r, opts.settleMs ?? 0));
          order.push('create:aborted');
          throw new Error('the workspace was stopped');
        }
        if (opts.createFails) {
          order.push('create:failed');
          throw opts.createFails;
        }
        order.push('create:end');
        return { baseCommit: 'a'.repeat(40), sandbox };
      },
    },
  } as unknown as OrchestratorDeps;
  return {
    deps,
    order,
    createStarted,
    createGo,
    aborted: () => createAborted,
  };
}

async function runStep(deps: OrchestratorDeps, task: TaskRow) {
  const emitted: string[] = [];
  const ctx = {
    task,
    runSeq: 0,
    signal: new AbortController().signal,
    timedOut: () => false,
    drain: { signal: new AbortController().signal, deadline: new AbortController().signal },
    log,
    emit: async (type: string, data: Record<string, unknown> = {}) => {
      emitted.push(type);
      await appendEvent(db, task.task_id, type as never, data as never);
    },
  } as unknown as StepContext;
  return { result: await preflightStep.run(ctx, deps), emitted };
}

describe('pre-flight', () => {
  it('makes the workspace while the forge access check is still out', async () => {
    const task = await hydratedTask();
    let w!: ReturnType<typeof world>;
    w = world({
      // The access check answers only once the workspace began (a pre-flight that makes the
      // workspace after its checks would wait here for ever: the test fails on time).
      access: async () => {
        await within(w.createStarted.p, 20_000, 'the workspace did not begin during the access check');
        w.createGo.open();
        return { ok: true };
      },
    });
    const { result, emitted } = await runStep(w.deps, task);
    expect(result).toBe('continue');
    expect(w.order.indexOf('create:start')).toBeLessThan(w.order.indexOf('access:end'));
    expect(w.order).toContain('create:end');
    expect(emitted).toContain('preflight.workspace_ready');
    expect(emitted).toContain('preflight.passed');
    expect((await getTask(db, task.task_id))?.status).toBe('RUNNING');
    const ready = (await listEvents(db, task.task_id, { after: 0, limit: 1000 })).find(
      (e) => e.type === 'preflight.workspace_ready',
    );
    expect(ready?.data).toMatchObject({ base_commit: 'a'.repeat(40) });
    expect(Object.keys(ready?.data ?? {})).toEqual(
      expect.arrayContaining(['forge_access_ms', 'model_ms', 'branch_ms', 'workspace_ms']),
    );
  });

  it('stops the workspace when the access check refuses, and returns only once it ended', async () => {
    const task = await hydratedTask();
    let w!: ReturnType<typeof world>;
    w = world({
      settleMs: 300,
      access: async () => {
        await within(w.createStarted.p, 20_000, 'the workspace did not begin');
        return { ok: false, code: 'INSUFFICIENT_PERMISSIONS', message: 'read only' };
      },
    });
    const { result } = await runStep(w.deps, task);
    expect(result).toBe('stop');
    expect(w.aborted()).toBe(true);
    // The abort was seen through, not left running behind the step.
    expect(w.order.at(-1)).toBe('create:aborted');
    const t = await getTask(db, task.task_id);
    expect(t?.status).toBe('FAILED');
    expect(t?.error?.code).toBe('INSUFFICIENT_PERMISSIONS');
    const failed = (await listEvents(db, task.task_id, { after: 0, limit: 1000 })).find(
      (e) => e.type === 'preflight.failed',
    );
    expect(failed?.data).toMatchObject({ check: 'forge', code: 'INSUFFICIENT_PERMISSIONS' });
  });

  it('stops the workspace when the branch already exists on the remote', async () => {
    const task = await hydratedTask();
    const w = world({ branchHead: 'b'.repeat(40), settleMs: 100 });
    const { result } = await runStep(w.deps, task);
    expect(result).toBe('stop');
    expect(w.aborted()).toBe(true);
    expect(w.order.at(-1)).toBe('create:aborted');
    const t = await getTask(db, task.task_id);
    expect(t?.error?.code).toBe('BRANCH_EXISTS');
  });

  it('reports a workspace failure after the checks passed, with the workspace check named', async () => {
    const task = await hydratedTask();
    const w = world({ createFails: new WorkspaceError('REPO_TOO_LARGE', 'too many files') });
    w.createGo.open();
    const { result } = await runStep(w.deps, task);
    expect(result).toBe('stop');
    expect(w.order).toEqual(expect.arrayContaining(['access:end', 'model', 'branch', 'create:failed']));
    const t = await getTask(db, task.task_id);
    expect(t?.error?.code).toBe('REPO_TOO_LARGE');
    const failed = (await listEvents(db, task.task_id, { after: 0, limit: 1000 })).find(
      (e) => e.type === 'preflight.failed',
    );
    expect(failed?.data).toMatchObject({ check: 'workspace' });
  });

  it('keeps the checks first: a refused access wins over a workspace that failed sooner', async () => {
    const task = await hydratedTask();
    let w!: ReturnType<typeof world>;
    w = world({
      createFails: new WorkspaceError('REPO_TOO_LARGE', 'too many files'),
      access: async () => {
        await within(w.createStarted.p, 20_000, 'the workspace did not begin');
        w.createGo.open();
        // The workspace has failed by now; the access check answers after.
        while (!w.order.includes('create:failed')) await new Promise((r) => setTimeout(r, 5));
        return { ok: false, code: 'INSUFFICIENT_PERMISSIONS', message: 'read only' };
      },
    });
    const { result } = await runStep(w.deps, task);
    expect(result).toBe('stop');
    expect((await getTask(db, task.task_id))?.error?.code).toBe('INSUFFICIENT_PERMISSIONS');
  });
});
