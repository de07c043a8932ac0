import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca webhooks create|list|delete` as real child processes against `abca serve`: the secret is
 * printed once (stdout) with a warning (stderr), it signs a delivery that makes a task, it is never
 * listed, and a deleted webhook's deliveries are refused.
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cli') });
  env = { ABCA_HOME: served.home };
  const added = await abca('repos', 'add', 'acme/app', '--forge', 'fake');
  expect(added.code, added.stderr).toBe(0);
});
afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

async function deliver(webhookId: string, secret: string, description: string) {
  const body = JSON.stringify({ repo: 'acme/app', task_description: description });
  const msgId = `msg_cli_${Date.now()}`;
  const ts = new Date();
  const res = await fetch(`${served.url}/v1/webhooks/${webhookId}/tasks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(msgId, ts, body),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('abca webhooks', () => {
  it('creates (secret once), lists without the secret, deletes; a deleted webhook is refused', async () => {
    const created = await abca('webhooks', 'create', 'ci');
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.stderr).toMatch(/shown only once/);
    const webhookId = /webhook (wh_[0-9A-Z]{26})/.exec(created.stderr)?.[1] as string;
    expect(webhookId).toBeDefined();
    expect(created.stderr).toContain(`/v1/webhooks/${webhookId}/tasks`);

    const task = await deliver(webhookId, secret, 'Signed by the CLI secret');
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    expect(task.body.data.channel).toBe('webhook');

    const list = await abca('webhooks', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(webhookId);
    expect(list.stdout).toMatch(/ci\s+admin\s+standard/);
    expect(list.stdout).toContain('active');
    expect(list.stdout + list.stderr).not.toContain(secret.slice(6));
    const json = await abca('webhooks', 'list', '--json');
    const listed = JSON.parse(json.stdout) as { webhook_id: string; last_used_at: string | null }[];
    expect(listed.find((w) => w.webhook_id === webhookId)?.last_used_at).not.toBeNull();
    expect(json.stdout).not.toContain(secret.slice(6));

    const deleted = await abca('webhooks', 'delete', webhookId);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted ${webhookId}`);
    expect((await deliver(webhookId, secret, 'too late')).status).toBe(401);
    expect((await abca('webhooks', 'list')).stdout).toMatch(new RegExp(`${webhookId}.*revoked`));
    // Deleting again or an unknown id: the API's refusal, with its exit code.
    expect((await abca('webhooks', 'delete', webhookId)).code).toBe(2);
    expect((await abca('webhooks', 'delete', 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAV')).code).toBe(5);
  });

  it('creates a legacy webhook for another user; refuses a bad scheme and a member key', async () => {
    const key = await abca('keys', 'create', 'dev', '--user', 'dev', '--role', 'member');
    expect(key.code, key.stderr).toBe(0);
    const legacy = await abca('webhooks', 'create', 'old', '--user', 'dev', '--scheme', 'legacy', '--json');
    expect(legacy.code, legacy.stderr).toBe(0);
    const shown = JSON.parse(legacy.stdout);
    expect(shown).toMatchObject({
      user_id: 'dev',
      scheme: 'legacy',
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const bad = await abca('webhooks', 'create', 'x', '--scheme', 'hmac');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/standard or legacy/);
    const member = await runCli(['webhooks', 'list'], { ...env, ABCA_API_KEY: key.stdout.trim() });
    expect(member.code, member.stderr).toBe(4);
  });
});
