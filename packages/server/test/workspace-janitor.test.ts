import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { createHostProcesses } from '../src/ops/host-processes.ts';
import { createLogger } from '../src/ops/logger.ts';
import { removeTree } from '../src/ops/remove-tree.ts';
import { removeExpiredWorkspaces } from '../src/orchestrator/workspace/janitor.ts';
import { readyFile } from '../src/orchestrator/workspace/task-workspace.ts';
import { createPool, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { createApiKey } from '../src/store/api-key-store.ts';
import { createTask } from './support/stored-task.ts';

/** Workspaces of finished tasks are removed after the retention time, and nothing else is. */
let db: Db;
const root = mkdtempSync(join(tmpdir(), 'abca-janitor-'));
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  db = createPool(await createTestDatabase('janitor'));
  await migrate(db);
  await createApiKey(db, { name: 'u', userId: 'u1', role: 'member' });
});
afterAll(async () => {
  await db.end();
  // rm, not a removal by path: a failed run may leave the deep tree behind.
  execFileSync('rm', ['-rf', '--one-file-system', root]);
});

/** A task in `status` that ended `endedHoursAgo` ago (null: not ended), with a workspace folder. */
async function taskWithWorkspace(status: string, endedHoursAgo: number | null): Promise<string> {
  const created = await createTask(db, {
    repo: 'acme/app',
    task_description: 'x',
    user_id: 'u1',
    max_turns: 5,
  });
  if (created.kind !== 'created') throw new Error('setup');
  const id = created.task.task_id;
  await db.query(
    `UPDATE tasks SET status = $2,
       completed_at = CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $3::float8 * 3600) END
     WHERE task_id = $1`,
    [id, status, endedHoursAgo],
  );
  const dir = join(root, id.toLowerCase());
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, 'file.txt'), 'work');
  return dir;
}

describe('workspace retention', () => {
  it('removes workspaces of tasks that ended before the retention time, in any terminal state', async () => {
    const oldCompleted = await taskWithWorkspace('COMPLETED', 30);
    const oldFailed = await taskWithWorkspace('FAILED', 25);
    const oldCancelled = await taskWithWorkspace('CANCELLED', 48);
    const recent = await taskWithWorkspace('COMPLETED', 1);
    const running = await taskWithWorkspace('RUNNING', null);
    const unknown = join(root, 'not-a-task-of-this-database');
    mkdirSync(unknown);
    writeFileSync(join(root, 'stray-file'), '');

    // What an agent can leave: a tree deeper than PATH_MAX (a recursive removal by path fails on
    // it), and the workspace's ready record beside it.
    execFileSync('bash', [
      '-c',
      // 20 levels of 250-character names: a path of 5,000 characters, made in milliseconds (a
      // deep cwd makes each mkdir slower on some filesystems, so few long levels, not many short).
      'cd "$1" && n=$(printf "%0250d" 0) && for i in $(seq 20); do mkdir $n && cd $n || exit 1; done',
      'bash',
      oldFailed,
    ]);
    writeFileSync(readyFile(oldFailed), '{}');
    const removed = await removeExpiredWorkspaces({
      db,
      workspaceRoot: root,
      retentionMs: 24 * 3_600_000,
      log,
      remove: (dir) => removeTree(createHostProcesses(), dir),
    });

    expect(removed.sort()).toEqual([oldCompleted, oldFailed, oldCancelled].sort());
    expect(existsSync(readyFile(oldFailed))).toBe(false);
    for (const dir of removed) expect(existsSync(dir)).toBe(false);
    for (const dir of [recent, running, unknown]) expect(existsSync(dir)).toBe(true);
    expect(existsSync(join(root, 'stray-file'))).toBe(true);

    // Retention 0: the recently finished one goes too; a running task's workspace never does.
    const second = await removeExpiredWorkspaces({ db, workspaceRoot: root, retentionMs: 0, log });
    expect(second).toEqual([recent]);
    expect(existsSync(running)).toBe(true);
  });

  it('does nothing when the workspace folder does not exist yet', async () => {
    expect(
      await removeExpiredWorkspaces({ db, workspaceRoot: join(root, 'missing'), retentionMs: 0, log }),
    ).toEqual([]);
  });
});
