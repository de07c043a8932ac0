import { TASK_FAILURES, TaskDetail, TaskEvent } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, startServe, tempHome } from './support/cli.ts';

/**
 * The `abca` command against a real server: `abca serve` runs as a child process on a fresh
 * database with the fake forge and agent, and every command runs as a real child process.
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);
/**
 * A command that waits for a task to end (`submit --wait`, `watch`). The file's tasks share the
 * default per-user cap of 3 and run in waves: on a machine at a load of 15 a wave took 20–48 s, so
 * the bounds are generous (they cost nothing when the tasks end sooner).
 */
const WAITING_MS = 150_000;
const abcaWaiting = (...args: string[]) => runCli(args, env, WAITING_MS);
const NO_TASK = '01J9Z3K8Q2W5V7X1Y4T6R8N0MB';

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cli') });
  // Only ABCA_HOME: the URL and the admin key are found through server.json and admin.key.
  env = { ABCA_HOME: served.home };
  const added = await Promise.all([
    abca('repos', 'add', 'acme/app', '--forge', 'fake'),
    // Unverified on purpose: its tasks are to fail pre-flight.
    abca('repos', 'add', 'fake-unreachable/x', '--forge', 'fake', '--no-verify'),
  ]);
  for (const r of added) expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  if (!served) return;
  expect(await served.stop()).toBe(0);
  expect(served.stderr()).toContain('stopping ABCA');
  // The shim filters pg's concurrent-query deprecation notice.
  expect(served.stderr()).not.toContain('already executing a query');
});

describe.concurrent('abca submit --wait', { timeout: WAITING_MS + 30_000 }, () => {
  it('shows live step progress and exits 0 with the PR url when the task completes', async () => {
    const r = await abcaWaiting('submit', '--repo', 'acme/app', '--wait', 'Add', 'a', 'verbose', 'flag');
    expect(r.code, r.stderr).toBe(0);
    for (const step of ['admission', 'hydration', 'pre-flight', 'agent-execution', 'finalization']) {
      expect(r.stdout).toContain(`▶ ${step}`);
      expect(r.stdout).toMatch(new RegExp(`✓ ${step} \\d+(\\.\\d)? (ms|s)`));
    }
    expect(r.stdout).toContain('status RUNNING → FINALIZING');
    // Each tool as it starts and as it ends; the agent's own words only under watch --verbose.
    expect(r.stdout).toContain('→ bash: npm test');
    expect(r.stdout).toMatch(/✓ bash: npm test \d+ ms/);
    expect(r.stdout).not.toContain('agent says');
    expect(r.stdout).toMatch(/COMPLETED/);
    expect(r.stdout).toMatch(/Pull request: https:\/\/forge\.invalid\/acme\/app\/pull\/\d+/);
  });

  it('exits 1 with the error code and remedy when the agent fails', async () => {
    const r = await abcaWaiting('submit', '--repo', 'acme/app', '--wait', 'Refactor [fake:fail=AGENT_STUCK]');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED');
    expect(r.stdout).toContain('Error AGENT_STUCK');
    expect(r.stdout).toContain(TASK_FAILURES.AGENT_STUCK.remedy);
  });

  it('exits 1 with a typed pre-flight failure for an unreachable repo', async () => {
    const r = await abcaWaiting('submit', '--repo', 'fake-unreachable/x', '--wait', 'Anything');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('pre-flight failed');
    expect(r.stdout).toContain('Error REPO_NOT_FOUND_OR_NO_ACCESS');
    expect(r.stdout).toContain(TASK_FAILURES.REPO_NOT_FOUND_OR_NO_ACCESS.remedy);
  });

  it('prints only the final task as JSON with --json', async () => {
    const r = await abcaWaiting('submit', '--repo', 'acme/app', '--wait', '--json', 'JSON please');
    expect(r.code, r.stderr).toBe(0);
    const task = TaskDetail.parse(JSON.parse(r.stdout));
    expect(task.status).toBe('COMPLETED');
    expect(task.pr_url).toMatch(/^https:\/\//);
  });
});

describe.concurrent('task commands', { timeout: WAITING_MS + 30_000 }, () => {
  it('submit --json, status, tasks, events and watch agree on one task', async () => {
    const submitted = await abca(
      'submit',
      '--repo',
      'acme/app',
      '--json',
      '--idempotency-key',
      'k-1',
      'List me',
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const task = TaskDetail.parse(JSON.parse(submitted.stdout));
    const replay = await abca(
      'submit',
      '--repo',
      'acme/app',
      '--json',
      '--idempotency-key',
      'k-1',
      'List me',
    );
    expect(JSON.parse(replay.stdout)).toMatchObject({ task_id: task.task_id, idempotent_replay: true });

    const watched = await abcaWaiting('watch', task.task_id);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toContain(`Task ${task.task_id} COMPLETED`);
    expect(watched.stdout).not.toContain('agent says');

    const [verbose, status, statusJson, list, listJson, events, eventsJson] = await Promise.all([
      abca('watch', task.task_id, '--verbose'),
      abca('status', task.task_id),
      abca('status', task.task_id, '--json'),
      abca('tasks', '--repo', 'acme/app', '--limit', '50'),
      abca('tasks', '--status', 'COMPLETED', '--json', '--limit', '1', '--all-pages'),
      abca('events', task.task_id, '--limit', '3'),
      abca('events', task.task_id, '--json', '--limit', '100'),
    ]);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout).toMatch(/agent says:\n.*Turn 1: running the tests\./);
    expect(status.stdout).toMatch(/status:\s+COMPLETED/);
    expect(status.stdout).toMatch(/PR:\s+https:\/\/forge\.invalid/);
    expect(TaskDetail.parse(JSON.parse(statusJson.stdout)).task_id).toBe(task.task_id);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+REPO\s+CHANNEL\s+STEP\s+AGE\s+DESCRIPTION/);
    expect(list.stdout).toContain(task.task_id);
    const all = JSON.parse(listJson.stdout) as { data: { task_id: string; status: string }[] };
    expect(all.data.map((t) => t.task_id)).toContain(task.task_id);
    expect(all.data.every((t) => t.status === 'COMPLETED')).toBe(true);
    expect(events.stdout).toContain('submitted to acme/app');
    // Every event in words: no raw type names (`agent.turn_completed`), no step of it marked wrongly.
    expect(events.stdout).not.toMatch(
      /\b(task|step|agent|hydration|preflight|workspace|finalization)\.[a-z_]+/,
    );
    expect(events.stdout).toContain(`abca events ${task.task_id} --after 3`);
    const log = (JSON.parse(eventsJson.stdout) as { data: unknown[] }).data.map((e) => TaskEvent.parse(e));
    expect(log.map((e) => e.type)).toEqual(
      expect.arrayContaining(['task.created', 'step.started', 'finalization.pr_opened']),
    );
  });

  it('cancels a running task, then refuses to cancel it again', async () => {
    const submitted = await abca('submit', '--repo', 'acme/app', '--json', 'Slow [fake:sleep=60000]');
    const { task_id } = TaskDetail.parse(JSON.parse(submitted.stdout));
    const nudged = await abca('nudge', task_id, 'please', 'hurry');
    expect(nudged.code, nudged.stderr).toBe(0);
    expect(nudged.stdout).toContain(`queued for ${task_id}`);
    const cancelled = await abca('cancel', task_id);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`Cancelled ${task_id}`);
    const [again, watched, followed] = await Promise.all([
      abca('cancel', task_id),
      abca('watch', task_id),
      abca('events', task_id, '--follow', '--json'),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error TASK_ALREADY_TERMINAL');
    expect(again.stderr).toMatch(/request id: \w+/);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('CANCELLED');
    const types = followed.stdout
      .trim()
      .split('\n')
      .map((l) => TaskEvent.parse(JSON.parse(l)).type);
    expect(types).toContain('task.nudge_queued');
    expect(types).toContain('task.status_changed');
  });
});

describe.concurrent('exit codes', () => {
  it('404 → 5, bad key → 4, validation → 2, unknown repo → 2, bad flag → 2, unknown command → 2', async () => {
    const [missing, badKey, invalid, notOnboarded, badFlag, unknown, badJson] = await Promise.all([
      abca('status', NO_TASK),
      abca('tasks', '--api-key', 'abca_not_a_real_key'),
      abca('submit', '--repo', 'acme/app'),
      abca('submit', '--repo', 'nobody/nothing', 'x'),
      abca('submit', '--repo', 'acme/app', '--max-turns', 'lots', 'x'),
      abca('frobnicate'),
      abca('submit', '--repo', 'acme/app', '--max-turns', '9999', '--json', 'x'),
    ]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('Error TASK_NOT_FOUND');
    expect(badKey.code).toBe(4);
    expect(badKey.stderr).toContain('Error UNAUTHORIZED');
    expect(badKey.stderr).toContain('from --api-key was refused');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('Error VALIDATION_ERROR');
    expect(invalid.stderr).toMatch(/request id: \w+/);
    expect(notOnboarded.code).toBe(2);
    expect(notOnboarded.stderr).toContain('Error REPO_NOT_ONBOARDED');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--max-turns');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('Usage: abca');
    expect(badJson.code).toBe(2);
    expect(badJson.stdout).toBe('');
    expect(JSON.parse(badJson.stderr)).toMatchObject({ error: { code: 'VALIDATION_ERROR', exit_code: 2 } });
  });

  it('says how to get a key when there is none (exit 4)', async () => {
    const r = await runCli(['tasks'], { ABCA_HOME: tempHome(), ABCA_URL: served.url });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('No API key');
    expect(r.stderr).toContain('abca keys create');
  });
});

describe.concurrent('abca keys and repos', () => {
  it('creates, lists and revokes a key; a member key works until revoked and cannot onboard repos', async () => {
    const created = await abca('keys', 'create', 'ci-bot', '--user', 'ci', '--role', 'member', '--json');
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { key: string; key_id: string; role: string };
    expect(key.role).toBe('member');
    const human = await abca('keys', 'create', 'laptop');
    expect(human.stderr).toContain('shown only once');
    expect(human.stdout.trim()).toMatch(/^\S{20,}$/);

    const [list, listJson, asMember, memberAddsRepo] = await Promise.all([
      abca('keys', 'list'),
      abca('keys', 'list', '--json'),
      abca('tasks', '--api-key', key.key),
      abca('repos', 'add', 'ci/repo', '--api-key', key.key),
    ]);
    expect(list.stdout).toMatch(/KEY ID\s+NAME\s+USER\s+ROLE/);
    expect(list.stdout).toContain('ci-bot');
    expect((JSON.parse(listJson.stdout) as { key_id: string }[]).map((k) => k.key_id)).toContain(key.key_id);
    expect(asMember.code, asMember.stderr).toBe(0);
    expect(memberAddsRepo.code).toBe(4);
    expect(memberAddsRepo.stderr).toContain('Error FORBIDDEN');

    const revoked = await abca('keys', 'revoke', key.key_id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${key.key_id}`);
    const after = await abca('tasks', '--api-key', key.key);
    expect(after.code).toBe(4);
    const missing = await abca('keys', 'revoke', NO_TASK);
    expect(missing.code).toBe(5);
  });

  it('adds, lists, shows and removes repos (owner/name is URL-encoded)', async () => {
    const added = await abca(
      'repos',
      'add',
      'octo/cat',
      '--default-branch',
      'trunk',
      '--max-concurrency',
      '2',
      '--json',
      '--no-verify', // this server has no GitHub token
    );
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      repo: 'octo/cat',
      settings: { default_branch: 'trunk', max_concurrency: 2 },
    });
    const [list, listJson, show, dup, git, badForge] = await Promise.all([
      abca('repos', 'list'),
      abca('repos', 'list', '--json'),
      abca('repos', 'show', 'octo/cat'),
      abca('repos', 'add', 'octo/cat'),
      abca(
        'repos',
        'add',
        'tools',
        '--git-url',
        'https://git.example.com/tools.git',
        '--json',
        '--no-verify',
      ),
      abca('repos', 'add', 'tools2', '--forge', 'git'),
    ]);
    // owner/name without --forge is a GitHub repository.
    expect(list.stdout).toMatch(/octo\/cat\s+github\s+trunk\s+2/);
    expect(git.code, git.stderr).toBe(0);
    expect(JSON.parse(git.stdout)).toMatchObject({
      forge: { kind: 'git', url: 'https://git.example.com/tools.git' },
    });
    expect(badForge.code).toBe(2);
    expect(badForge.stderr).toContain('--forge git needs --git-url');
    expect((JSON.parse(listJson.stdout) as { repo: string }[]).map((r) => r.repo)).toEqual(
      expect.arrayContaining(['acme/app', 'octo/cat']),
    );
    expect(show.stdout).toMatch(/default_branch:\s+trunk/);
    expect(dup.code).toBe(2);
    const removed = await abca('repos', 'remove', 'octo/cat');
    expect(removed.code, removed.stderr).toBe(0);
    const gone = await abca('repos', 'show', 'octo/cat');
    expect(gone.code).toBe(5);
  });
});
