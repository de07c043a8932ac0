import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/dashboard/security.ts';
import { insertChangeRequest, updateChangeRequest } from '../src/store/change-requests.ts';
import { appendEvent } from '../src/store/event-store.ts';
import { patchTask } from '../src/store/task-store.ts';
import { type DashboardClient, signInDashboard } from './support/dashboard-client.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * Hostile text on every task page: a description, agent messages, tool arguments and output, a
 * step's error, a diff and a PR link written to run script. Each page and each live row shows it
 * as text (escaped), no `javascript:` link is made, and every response carries the strict CSP.
 */
const EVIL = `<script>alert("pwned")</script><img src=x onerror=alert(1)><b>bold</b>"'&`;
const RAW = ['<script>alert', '<img src=x', '<b>bold</b>', 'onerror=alert(1)>'];

let p: TestPlatform;
let rita: DashboardClient;
let taskId: string;

function expectEscaped(body: string, where: string) {
  for (const bad of RAW) expect(body, `${where} holds ${bad}`).not.toContain(bad);
  expect(body, where).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
}

beforeAll(async () => {
  p = await startTestPlatform({}, { apiOnly: true });
  const repo = await p.request('POST', '/v1/repos', { body: { repo: 'acme/app', forge: { kind: 'fake' } } });
  expect(repo.status).toBe(201);
  const key = await p.userKey('rita');
  const res = await p.request('POST', '/v1/tasks', {
    key,
    body: { repo: 'acme/app', task_description: EVIL },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  taskId = res.body.data.task_id;
  const db = p.platform.db;
  await appendEvent(db, taskId, 'agent.message', { turn: 1, text: EVIL });
  await appendEvent(db, taskId, 'agent.tool_started', {
    turn: 1,
    tool_call_id: 'c1',
    tool: 'bash',
    args_preview: EVIL,
  });
  await appendEvent(db, taskId, 'agent.tool_call', {
    turn: 1,
    tool_call_id: 'c1',
    tool: 'bash',
    args: { command: EVIL },
    result: EVIL,
    is_error: true,
    duration_ms: 3,
    truncated: false,
  });
  await appendEvent(db, taskId, 'step.failed', {
    step: 'agent-execution',
    attempt: 1,
    duration_ms: 5,
    error: EVIL,
  });
  const cr = await insertChangeRequest(db, {
    repo: 'acme/app',
    taskId,
    branch: 'abca/evil',
    base: 'main',
    title: EVIL,
    body: EVIL,
    draft: false,
  });
  await updateChangeRequest(db, 'acme/app', cr.number, {
    diff: `diff --git a/x.html b/x.html\n--- a/x.html\n+++ b/x.html\n@@ -1 +1 @@\n-old\n+${EVIL}\n`,
  });
  await patchTask(db, taskId, { pr_url: 'javascript:alert(1)' });
  rita = await signInDashboard(p.url, key);
}, 120_000);
afterAll(async () => {
  await p?.platform.stop();
});

describe('hostile text on the task pages', () => {
  it('the list shows the description as text', async () => {
    const res = await rita.get('/tasks');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expectEscaped(res.text, '/tasks');
  });

  it('the task page shows description, agent output, errors and diff as text, and makes no script link', async () => {
    const res = await rita.get(`/tasks/${taskId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expectEscaped(res.text, 'task page');
    // The description, the message, the tool's output and the diff's added line: each escaped.
    expect(res.text.split('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;').length).toBeGreaterThan(5);
    expect(res.text).not.toContain('javascript:');
    expect(res.text).not.toContain('id="pr-link" href="javascript');
    // The only scripts are the dashboard's own file; no inline handler anywhere.
    expect([...res.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/assets/app.js" defer>',
    ]);
    expect(res.text).not.toMatch(/<[^>]+\son[a-z]+=/i);
  });

  it('the live rows carry the same escaped markup', async () => {
    const res = await rita.stream(`/tasks/${taskId}/live`, (events) =>
      events.some((e) => e.event === 'row' && e.data.includes('Step agent-execution')),
    );
    expect(res.status).toBe(200);
    const rows = res.events.filter((e) => e.event === 'row').map((e) => e.data);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const all = rows.join('\n');
    expectEscaped(all, 'live rows');
    expect(all).not.toMatch(/<[^>]+\son[a-z]+=/i);
  });

  it('the submit form gives back typed hostile text as text', async () => {
    const res = await rita.post('/submit', { repo: 'acme/none', task_description: EVIL });
    expect(res.status).toBe(422);
    expectEscaped(res.text, 'submit form');
  });
});
