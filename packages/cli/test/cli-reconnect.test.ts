import { TaskDetail } from '@abca/contracts';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, spawnCli, startServe, tempHome } from './support/cli.ts';

/**
 * `abca watch` across a server restart, with a task that waits in the queue: the live view shows
 * the queue position, survives the server going away, resumes with Last-Event-ID and shows
 * each event exactly once.
 */
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) await s.stop();
});

it('shows the queue position and resumes the live view after the server restarts', async () => {
  const serverEnv = {
    DATABASE_URL: await createTestDatabase('cli_rc'),
    ABCA_HOME: tempHome(),
    ABCA_MAX_TASKS_PER_USER: '1',
    ABCA_HEARTBEAT_MS: '500',
    ABCA_EXECUTOR_STALE_MS: '2000',
    // The first server's executor is found dead by the reconciler of the second.
    ABCA_RECONCILE_MS: '200',
  };
  const first = await startServe(serverEnv);
  servers.push(first);
  const env = { ABCA_HOME: serverEnv.ABCA_HOME };
  const added = await runCli(['repos', 'add', 'acme/app', '--forge', 'fake'], env);
  expect(added.code, added.stderr + first.stderr()).toBe(0);

  const blocker = await runCli(['submit', '--repo', 'acme/app', '--json', 'First [fake:sleep=5000]'], env);
  const running = TaskDetail.parse(JSON.parse(blocker.stdout));
  const queued = await runCli(['submit', '--repo', 'acme/app', 'Second'], env);
  expect(queued.code, queued.stderr).toBe(0);
  expect(queued.stdout).toMatch(/Status: QUEUED \(position 1/);
  const id = /Submitted (\w+)/.exec(queued.stdout)?.[1] ?? '';

  const watch = spawnCli(['watch', id], env, 60_000);
  await watch.waitFor('stdout', /→ QUEUED.*queue position 1/);
  expect(await first.stop()).toBe(0);
  const port = new URL(first.url).port;
  const second = await startServe(serverEnv, ['--port', port]);
  servers.push(second);

  const result = await watch.done;
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain('reconnecting after event');
  expect(result.stdout).toContain(`Task ${id} COMPLETED`);
  // Each event once, although the stream was opened twice or more.
  expect(result.stdout.match(/submitted to acme\/app/g)).toHaveLength(1);
  expect(result.stdout.match(/▶ admission/g)).toHaveLength(1);
  expect(result.stdout.match(/✓ finalization/g)).toHaveLength(1);
  const firstTask = await runCli(['status', running.task_id, '--json'], env);
  expect(TaskDetail.parse(JSON.parse(firstTask.stdout)).status).toBe('COMPLETED');
});
