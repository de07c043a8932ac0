import { createScriptedModelServer, reply, type ScriptedModelServer } from '@abca/model-kit';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * A signed webhook end to end on the whole platform: a Standard-Webhooks-signed POST (signed by the
 * `standardwebhooks` package, as a sender would) becomes a task that the built-in agent runs in its
 * sandbox against a scripted model, ending in a pull request on the fake forge; the same bytes sent
 * again, during the run and after it, create nothing.
 */
let model: ScriptedModelServer;
let p: TestPlatform;

beforeAll(async () => {
  model = await createScriptedModelServer();
  p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'anthropic:claude-sonnet-4-5',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-webhooks-e2e-0000',
  });
  await p.request('POST', '/v1/repos', { body: { repo: 'acme/hooked', forge: { kind: 'fake' } } });
  await p.userKey('ci-bot');
});
afterAll(async () => {
  await p?.platform.stop();
  await model?.close();
});

describe('a signed webhook, end to end', () => {
  it('a Standard-Webhooks-signed POST becomes a task and a PR; the same bytes again create nothing', async () => {
    const created = await p.request('POST', '/v1/webhooks', { body: { name: 'ci', user_id: 'ci-bot' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { webhook_id: webhookId, secret } = created.body.data as { webhook_id: string; secret: string };

    model.script(
      reply().tool('bash', {
        command: 'echo ok > health.txt && git add health.txt && git commit -q -m "Add a health file"',
      }),
      reply().text('Added health.txt.'),
    );
    const body = Buffer.from(JSON.stringify({ repo: 'acme/hooked', task_description: 'Add a health file' }));
    const msgId = 'msg_2mC1e2e0WebhookDeliveryAbc';
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(msgId, at, body),
    };
    const send = () =>
      fetch(`${p.url}/v1/webhooks/${webhookId}/tasks`, { method: 'POST', headers, body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    const tasksBefore = (await p.request('GET', '/v1/tasks?limit=100')).body.data.length;

    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const taskId = first.body.data.task_id as string;
    expect(first.body.data).toMatchObject({ user_id: 'ci-bot', channel: 'webhook' });
    // Sent again at once (the task may still be running): refused, naming the task it made.
    const during = await send();
    expect([during.status, during.body.error.code]).toEqual([409, 'DELIVERY_REPLAYED']);
    expect(during.body.error.message).toContain(taskId);

    const done = await p.waitFor(
      taskId,
      (t) => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(t.status),
      120_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(done.pr_url).toMatch(/\/pull\/\d+$/);
    expect(done.channel_ref).toEqual({ channel: 'webhook', webhook_id: webhookId, delivery_id: msgId });
    // The delivery's text went to the agent as the task, fenced like every task description.
    expect(JSON.stringify(model.requests[0]?.body)).toContain('Add a health file');

    const after = await send();
    expect([after.status, after.body.error.code]).toEqual([409, 'DELIVERY_REPLAYED']);
    const tasks = (await p.request('GET', '/v1/tasks?limit=100')).body.data as { task_id: string }[];
    expect(tasks.length).toBe(tasksBefore + 1);
    const pulls = await p.platform.db.query('SELECT count(*)::int AS n FROM fake_forge_pulls');
    expect(pulls.rows[0].n).toBe(1);
    // The secret went nowhere: not in the task, its events, or the PR.
    const everything =
      JSON.stringify(done) +
      JSON.stringify(await p.allEvents(taskId)) +
      JSON.stringify((await p.platform.db.query('SELECT * FROM fake_forge_pulls')).rows);
    expect(everything).not.toContain(secret.slice(6));
  });
});
