import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDelivery } from '../src/channels/deliveries.ts';
import { submitTask } from '../src/channels/gateway.ts';
import { linkIdentity, listIdentities, resolveSender, unlinkIdentity } from '../src/channels/identities.ts';
import { createLogger } from '../src/ops/logger.ts';
import { withoutAdmission } from './support/no-admission.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The input gateway (channels/gateway.ts): every channel's task is made the way the API makes one,
 * records where it came from, and is deduplicated by its delivery; the outbox gets a row for each
 * change a channel must hear of, in the transaction of the change.
 */
let p: TestPlatform;

beforeAll(async () => {
  // A per-user cap of 1 keeps the tasks queued: nothing here races the workers.
  p = await startTestPlatform({ ABCA_MAX_TASKS_PER_USER: '1', ABCA_FAKE_DELAY_MS: '0' }, { apiOnly: true });
  expect(
    (await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } })).status,
  ).toBe(201);
  await p.userKey('alice');
});
afterAll(async () => {
  await p?.platform.stop();
});

const deps = () => ({
  db: p.platform.db,
  log: createLogger({ level: 'silent' }),
  orchestrator: withoutAdmission(p.platform.db),
  config: p.platform.config,
});

describe('the input gateway', () => {
  it('records the API and the CLI as channels', async () => {
    const api = await p.request('POST', '/v1/tasks', { body: { repo: 'acme/app', task_description: 'a' } });
    expect(api.body.data).toMatchObject({ channel: 'api', channel_ref: null });
    const cli = await p.request('POST', '/v1/tasks', {
      body: { repo: 'acme/app', task_description: 'b' },
      headers: { 'x-abca-channel': 'cli' },
    });
    expect(cli.body.data).toMatchObject({ channel: 'cli', channel_ref: { channel: 'cli' } });
    const listed = await p.request('GET', '/v1/tasks?limit=100');
    expect(
      listed.body.data.find((t: { task_id: string }) => t.task_id === cli.body.data.task_id).channel,
    ).toBe('cli');
  });

  it('makes a channel task as the given user, with its reference; the same delivery makes one task', async () => {
    const ref = {
      channel: 'github' as const,
      delivery_id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      owner_repo: 'acme/app',
      issue_number: 12,
      trigger: 'label' as const,
      sender: 'octocat',
    };
    const input = {
      userId: 'alice',
      body: { repo: 'acme/app', issue_number: 12 },
      idempotencyKey: `github:${ref.delivery_id}`,
      channelRef: ref,
    };
    const first = await submitTask(deps(), input);
    const second = await submitTask(deps(), input);
    expect(first.kind).toBe('created');
    expect(second).toMatchObject({ kind: 'replay', task: { task_id: first.task.task_id } });
    const shown = await p.request('GET', `/v1/tasks/${first.task.task_id}`);
    expect(shown.body.data).toMatchObject({ user_id: 'alice', channel: 'github', channel_ref: ref });
  });

  it('refuses a repo that is not onboarded the way the API does', async () => {
    await expect(
      submitTask(deps(), { userId: 'alice', body: { repo: 'acme/other', task_description: 'x' } }),
    ).rejects.toMatchObject({ code: 'REPO_NOT_ONBOARDED' });
  });

  it('writes an outbox row with each status change of a channel task, none for API tasks', async () => {
    const slack = await submitTask(deps(), {
      userId: 'alice',
      body: { repo: 'acme/app', task_description: 'from slack' },
      channelRef: {
        channel: 'slack',
        team_id: 'T1',
        channel_id: 'C1',
        thread_ts: '1700000000.000100',
        user_id: 'U1',
        delivery_id: 'Ev1',
      },
    });
    const api = await p.request('POST', '/v1/tasks', { body: { repo: 'acme/app', task_description: 'c' } });
    await p.request('DELETE', `/v1/tasks/${slack.task.task_id}`);
    await p.request('DELETE', `/v1/tasks/${api.body.data.task_id}`);
    const rows = await p.platform.db.query<{ task_id: string; event_type: string; status: string | null }>(
      'SELECT task_id, event_type, status FROM channel_outbox WHERE task_id = ANY($1) ORDER BY id',
      [[slack.task.task_id, api.body.data.task_id]],
    );
    const seen = rows.rows.map((r) => [r.task_id, r.event_type, r.status]);
    // Admission may queue it first (QUEUED); the first and the last rows are fixed.
    expect(seen[0]).toEqual([slack.task.task_id, 'task.created', null]);
    expect(seen.at(-1)).toEqual([slack.task.task_id, 'task.status_changed', 'CANCELLED']);
    expect(seen.filter((r) => r[0] === api.body.data.task_id)).toEqual([]);
  });
});

describe('linked identities', () => {
  it('links, resolves (GitHub logins case-insensitively), refuses a second owner, unlinks', async () => {
    await p.userKey('bob');
    expect(await linkIdentity(p.platform.db, 'github', 'OctoCat', 'alice')).toMatchObject({
      kind: 'linked',
      identity: { external_id: 'octocat' },
    });
    expect(await linkIdentity(p.platform.db, 'github', 'octocat', 'bob')).toEqual({
      kind: 'taken',
      userId: 'alice',
    });
    expect(await resolveSender(p.platform.db, 'github', 'OCTOCAT', undefined)).toEqual({
      kind: 'linked',
      userId: 'alice',
    });
    expect(await resolveSender(p.platform.db, 'github', 'stranger', undefined)).toEqual({ kind: 'unlinked' });
    expect(await resolveSender(p.platform.db, 'github', 'stranger', 'bob')).toEqual({
      kind: 'default',
      userId: 'bob',
    });
    expect(await resolveSender(p.platform.db, 'github', 'stranger', 'nobody')).toEqual({ kind: 'unlinked' });
    expect((await listIdentities(p.platform.db, 'alice')).map((i) => i.external_id)).toEqual(['octocat']);
    expect(await unlinkIdentity(p.platform.db, 'github', 'octocat', 'bob')).toBe(false);
    expect(await unlinkIdentity(p.platform.db, 'github', 'octocat', 'alice')).toBe(true);
    expect(await resolveSender(p.platform.db, 'github', 'octocat', undefined)).toEqual({ kind: 'unlinked' });
  });
});

describe('deliveries', () => {
  it('records a delivery once and answers a repeat with the first record', async () => {
    expect(
      await recordDelivery(p.platform.db, { source: 'github', deliveryId: 'd-1', outcome: 'ignored' }),
    ).toEqual({
      first: true,
    });
    const again = await recordDelivery(p.platform.db, {
      source: 'github',
      deliveryId: 'd-1',
      outcome: 'other',
    });
    expect(again).toMatchObject({ first: false, earlier: { outcome: 'ignored', taskId: null } });
  });
});
