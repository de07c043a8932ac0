import { createScriptedModelServer, type ScriptedModelServer } from '@abca/model-kit';
import { createTestDatabase } from '../../../../test/support/database.ts';
import { createPostgresMemory } from '../../src/adapters/memory/postgres.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLearningModel, type LearningModel } from '../../src/memory/learning-model.ts';
import type { Memory } from '../../src/ports/memory.ts';
import { createPool, type Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';

/** A database with memory's tables, a memory store, and the scripted model as the learning model. */
export interface MemoryWorld {
  db: Db;
  memory: Memory;
  model: ScriptedModelServer;
  learning: LearningModel;
  config: ReturnType<typeof loadConfig>;
  close(): Promise<void>;
}

export async function startMemoryWorld(name: string): Promise<MemoryWorld> {
  const db = createPool(await createTestDatabase(name), 4);
  await migrate(db);
  const model = await createScriptedModelServer();
  const config = loadConfig({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
  });
  const learning = await createLearningModel(config, ['sk-test-SECRET-123456']);
  if (!learning) throw new Error('no learning model');
  await db.query(`INSERT INTO users (user_id, role) VALUES ('u1', 'admin') ON CONFLICT DO NOTHING`);
  return {
    db,
    memory: createPostgresMemory(db),
    model,
    learning,
    config,
    async close() {
      await model.close();
      await db.end();
    },
  };
}

let seq = 0;

/** A repo row (plain git unless said otherwise). */
export async function addRepo(
  db: Db,
  repo: string,
  opts: { forge?: Record<string, unknown>; settings?: Record<string, unknown> } = {},
): Promise<void> {
  await db.query('INSERT INTO repos (repo, forge, settings) VALUES ($1, $2, $3)', [
    repo,
    JSON.stringify(opts.forge ?? { kind: 'git', url: '/nowhere' }),
    JSON.stringify(opts.settings ?? {}),
  ]);
}

/** A finished task row as finalization leaves it. */
export async function addTask(
  db: Db,
  repo: string,
  opts: {
    status?: string;
    description?: string;
    outcome?: Record<string, unknown>;
    memory?: boolean | null;
    workflow?: string;
  } = {},
): Promise<string> {
  seq += 1;
  const id = `tsk_mem_${Date.now().toString(36)}_${seq}`;
  await db.query(
    `INSERT INTO tasks (task_id, user_id, repo, status, workflow_ref, task_description, max_turns, outcome,
                        memory, cost_usd, turns, channel, completed_at)
     VALUES ($1, 'u1', $2, $3, $4, $5, 50, $6, $7, 0.0123, 4, 'api', now())`,
    [
      id,
      repo,
      opts.status ?? 'COMPLETED',
      opts.workflow ?? 'coding/new-task-v1',
      opts.description ?? 'Add a farewell function',
      JSON.stringify(opts.outcome ?? {}),
      opts.memory ?? null,
    ],
  );
  return id;
}

/** A watched PR of `taskId` with review comments recorded as the watcher records them. */
export async function addWatch(db: Db, repo: string, taskId: string, number: number): Promise<number> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO pr_watches (repo, number, forge_kind, branch, url, origin_task_id, user_id, opened_at)
     VALUES ($1, $2, 'git', $3, $4, $5, 'u1', now()) RETURNING id`,
    [repo, number, `abca/${taskId}`, `git:${repo}#${number}`, taskId],
  );
  return Number(res.rows[0]?.id);
}

export async function addComment(
  db: Db,
  watchId: number,
  c: { id: string; author: string; body: string; path?: string; line?: number },
): Promise<void> {
  await db.query(
    `INSERT INTO pr_review_comments (watch_id, comment_id, author, body, path, line, resolved, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, false, clock_timestamp())`,
    [watchId, c.id, c.author, c.body, c.path ?? null, c.line ?? null],
  );
}

/** The text of the model's `n`-th recorded request (1-based), as sent. */
export function requestText(model: ScriptedModelServer, n: number): string {
  return model.requests[n - 1]?.rawBody ?? '';
}
