import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, spawnCli, startServe } from './support/cli.ts';

/**
 * Approval gates from the command line, with the compiled CLI against a real server (`abca serve`,
 * the fake agent and the fake forge): a push-gated task waits in AWAITING_APPROVAL, `abca status`
 * and the live view say what to run, `abca approve` resumes it to COMPLETED with one push and
 * `abca deny --reason` ends it FAILED APPROVAL_DENIED; each decision is an event naming the user
 * and the channel `cli`. Another member cannot decide; a decision too late is a conflict (exit 1).
 */
let served: Served;
let env: Record<string, string>;
let adminKey: string;
let bobKey: string;
let carolKey: string;
const abca = (...args: string[]) => runCli(args, env);
const asBob = (...args: string[]) => runCli([...args, '--api-key', bobKey], env);

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cliapproval') });
  env = { ABCA_HOME: served.home };
  adminKey = readFileSync(join(served.home, 'admin.key'), 'utf8').trim();
  const keyOf = async (user: string) => {
    const res = await abca('keys', 'create', `${user}-key`, '--user', user, '--json');
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout).key as string;
  };
  bobKey = await keyOf('bob');
  carolKey = await keyOf('carol');
  const added = await abca('repos', 'add', 'acme/gated', '--forge', 'fake', '--approvals', '{"push":true}');
  expect(added.code, added.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

async function api(path: string): Promise<any> {
  const res = await fetch(`${served.url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
  return ((await res.json()) as { data: unknown }).data;
}

async function waitForStatus(taskId: string, statuses: string[], timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await api(`/v1/tasks/${taskId}`);
    if (statuses.includes(last?.status)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`task ${taskId} never reached ${statuses.join('|')}; last ${JSON.stringify(last)}`);
}

async function allEvents(taskId: string): Promise<any[]> {
  const res = await fetch(`${served.url}/v1/tasks/${taskId}/events?limit=100`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  return ((await res.json()) as { data: any[] }).data;
}

async function submitGated(): Promise<string> {
  const res = await asBob('submit', '--repo', 'acme/gated', 'Fix the greeting', '--json');
  expect(res.code, res.stderr).toBe(0);
  const taskId = JSON.parse(res.stdout).task_id as string;
  await waitForStatus(taskId, ['AWAITING_APPROVAL']);
  return taskId;
}

const ENDED = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

describe('abca approve / deny / approvals', () => {
  it('shows the pending push, refuses other members, approves to one push, and says when it is too late', async () => {
    const taskId = await submitGated();

    const status = await asBob('status', taskId);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('AWAITING_APPROVAL');
    expect(status.stdout).toContain('waiting for approval of the push');
    expect(status.stdout).toContain(`abca approve ${taskId}`);
    expect(status.stdout).toContain(`abca deny ${taskId} --reason`);

    const listed = await asBob('approvals', taskId, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const [pending] = JSON.parse(listed.stdout);
    expect(pending).toMatchObject({ gate: 'push', state: 'pending', decided_by: null });
    const table = await asBob('approvals', taskId);
    expect(table.stdout).toMatch(/^ID\s+GATE\s+STATE/m);
    expect(table.stdout).toContain(pending.approval_id);

    // Another member may not decide: 403, nothing changes.
    const carol = await runCli(['approve', taskId, '--api-key', carolKey], env);
    expect(carol.code).toBe(4);
    expect(carol.stderr).toContain('FORBIDDEN');
    // A denial needs a reason: a usage error naming the flag, before any request.
    const noReason = await asBob('deny', taskId);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    expect((await api(`/v1/tasks/${taskId}`)).status).toBe('AWAITING_APPROVAL');

    const ok = await asBob('approve', taskId, '--reason', 'Looks fine');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Approved the push of task ${taskId}`);
    const done = await waitForStatus(taskId, ENDED);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const events = await allEvents(taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(1);
    const decided = events.filter((e) => e.type === 'approval.decided');
    expect(decided).toHaveLength(1);
    expect(decided[0].data).toMatchObject({
      state: 'approved',
      by: 'bob',
      channel: 'cli',
      reason: 'Looks fine',
    });

    const late = await asBob('deny', taskId, '--reason', 'too late');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('APPROVAL_NOT_PENDING');
    expect(late.stderr).toContain(`Task ${taskId} is not waiting for an approval`);
  }, 240_000);

  it('denies with a reason the task ends on; the live view says what to run; an edited plan is refused for a push', async () => {
    const taskId = await submitGated();
    const watch = spawnCli(['watch', taskId, '--api-key', bobKey], env, 120_000);
    await watch.waitFor(
      'stdout',
      /decide: abca approve \S+ \[--reason "\.\.\."\]\s+or\s+abca deny \S+ --reason/,
    );
    expect(watch.stdout()).toContain('waiting for approval of the push');

    // --plan-file from stdin reaches the server, which edits only plans (a usage error, exit 2).
    const edited = await runCli(
      ['approve', taskId, '--plan-file', '-', '--api-key', bobKey],
      env,
      45_000,
      'Do it differently.\n',
    );
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('Only a plan can be edited');
    const empty = await runCli(
      ['approve', taskId, '--plan-file', '-', '--api-key', bobKey],
      env,
      45_000,
      '  \n',
    );
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('is empty');
    expect((await api(`/v1/tasks/${taskId}`)).status).toBe('AWAITING_APPROVAL');

    const no = await asBob('deny', taskId, '--reason', 'Not this week.', '--json');
    expect(no.code, no.stderr).toBe(0);
    expect(JSON.parse(no.stdout)).toMatchObject({ state: 'denied', decided_by: 'bob', channel: 'cli' });
    const watched = await watch.done;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('push denied by bob (cli): Not this week.');

    const done = await waitForStatus(taskId, ENDED);
    expect(done.status).toBe('FAILED');
    expect(done.error.code).toBe('APPROVAL_DENIED');
    expect(done.error.message).toContain('Not this week.');
    const events = await allEvents(taskId);
    expect(events.filter((e) => e.type === 'finalization.pushed')).toHaveLength(0);
    expect(events.find((e) => e.type === 'approval.decided')?.data).toMatchObject({
      state: 'denied',
      by: 'bob',
      channel: 'cli',
      reason: 'Not this week.',
    });
  }, 240_000);
});
