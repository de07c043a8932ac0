import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_EVENT_TYPES, TaskEvent } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/store/event-store.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { type PlatformProcess, spawnPlatform } from './support/processes.ts';

/**
 * The event contract check (`ABCA_EVENT_CHECK_FILE`) that makes every end-to-end suite compare what
 * the platform emits with the contract schemas: here it must catch a bad event written by a worker
 * process, and stay silent for a task whose events are all right. Both platforms get a check file
 * of this test's own (the run's would fail it on purpose).
 */
const dir = mkdtempSync(join(tmpdir(), 'abca-event-check-'));
const apiFile = join(dir, 'api.jsonl');
const workerFile = join(dir, 'worker.jsonl');
let api: TestPlatform;
let worker: PlatformProcess | undefined;

beforeAll(async () => {
  api = await startTestPlatform({ ABCA_EVENT_CHECK_FILE: apiFile }, { apiOnly: true });
  await api.request('POST', '/v1/repos', { body: { repo: 'acme/events', forge: { kind: 'fake' } } });
  worker = await spawnPlatform('worker', {
    DATABASE_URL: api.databaseUrl,
    ABCA_HOME: api.home,
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    ABCA_RECONCILE_MS: '200',
    ABCA_EVENT_CHECK_FILE: workerFile,
  });
}, 120_000);
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await api?.platform.stop();
});

const violations = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as { taskId: string; type: string; problem: { kind: string; issues?: string[] } },
        )
    : [];

async function runTask(description: string): Promise<{ id: string; events: any[] }> {
  const created = await api.request('POST', '/v1/tasks', {
    body: { repo: 'acme/events', task_description: description },
  });
  expect(created.status).toBe(201);
  const id = created.body.data.task_id as string;
  const done = await api.waitFor(
    id,
    (t) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status),
    90_000,
  );
  expect(done.status).toBe('COMPLETED');
  return { id, events: await api.allEvents(id) };
}

describe('the event contract check', () => {
  it('finds nothing wrong in a task whose events all match, and every event parses', async () => {
    const { id, events } = await runTask('All good [fake:turns=2]');
    expect(violations(workerFile).filter((v) => v.taskId === id)).toEqual([]);
    expect(violations(apiFile)).toEqual([]);
    for (const e of events) expect(TaskEvent.safeParse(e).success, e.type).toBe(true);
    const types = new Set(events.map((e) => e.type));
    for (const t of ['agent.message', 'agent.tool_started', 'agent.tool_call', 'step.completed'])
      expect(types, t).toContain(t);
    expect(events.filter((e) => e.type === 'step.completed').map((e) => e.data.outcome)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  it('records an event whose payload breaks its contract, in the worker process that wrote it', async () => {
    const { id, events } = await runTask('Bad event [fake:turns=1] [fake:bad_event=1]');
    const found = violations(workerFile).filter((v) => v.taskId === id);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'agent.model_call', problem: { kind: 'invalid_data' } });
    expect(found[0]?.problem.issues?.join('\n')).toMatch(/model_ref/);
    // Written all the same: the log loses nothing, and readers fall back to the record.
    expect(events.filter((e) => e.type === 'agent.model_call')).toHaveLength(2);
  });

  it('makes an unknown type or a wrong payload a compile error where the server writes events', () => {
    // Checked by `npm run check` (tsc): each line below must fail to compile.
    const writes = (db: Parameters<typeof appendEvent>[0]) => [
      // @ts-expect-error an event type the contract does not have
      appendEvent(db, 't', 'task.unknown', {}),
      // @ts-expect-error a payload without its required fields
      appendEvent(db, 't', 'step.started', { step: 'admission' }),
      appendEvent(db, 't', 'hydration.completed', {
        prompt_chars: 1,
        instructions: [],
        // @ts-expect-error a field of the wrong type (the issue is a number, as the CLI once got wrong)
        issue: true,
        pull_request: null,
      }),
    ];
    expect(typeof writes).toBe('function');
  });

  it('tells an unknown type from a payload that does not parse', async () => {
    const { checkTaskEvent } = await import('@abca/contracts');
    expect(checkTaskEvent('agent.unknown_thing', {})).toEqual({ kind: 'unknown_type' });
    expect(checkTaskEvent('step.started', { step: 'nowhere', attempt: 1, executor_id: 'x' })).toMatchObject({
      kind: 'invalid_data',
    });
    expect(checkTaskEvent('task.admitted', {})).toBeUndefined();
    expect(TASK_EVENT_TYPES.length).toBeGreaterThan(30);
  });

  it('records a violation written by the API process too', async () => {
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'acme/events', task_description: 'Placeholder [fake:sleep=1]' },
    });
    const id = created.body.data.task_id as string;
    await (appendEvent as (db: unknown, id: string, type: string, data: unknown) => Promise<number>)(
      api.platform.db,
      id,
      'task.something_new',
      {},
    );
    expect(violations(apiFile)).toEqual([
      expect.objectContaining({ taskId: id, type: 'task.something_new' }),
    ]);
    await api.waitFor(
      id,
      (t) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(t.status),
      90_000,
    );
  });
});

describe('how a step left the task', () => {
  const ended = (events: any[], step: string) =>
    events.filter((e) => e.type === 'step.completed' && e.data.step === step).map((e) => e.data);

  it('says a step that failed the task failed, with its code', async () => {
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'acme/events', task_description: 'Stuck [fake:turns=1] [fake:fail=AGENT_STUCK]' },
    });
    const id = created.body.data.task_id as string;
    const done = await api.waitFor(id, (t) => ['COMPLETED', 'FAILED'].includes(t.status), 90_000);
    expect(done.status).toBe('FAILED');
    // The stuck run's work (if any) goes to finalization, which ends the task with the run's code.
    expect(ended(await api.allEvents(id), 'finalization')).toEqual([
      expect.objectContaining({ outcome: 'failed', status: 'FAILED', error: 'AGENT_STUCK', result: 'stop' }),
    ]);
  });

  it('says the step that ran when the task was cancelled was cancelled', async () => {
    const created = await api.request('POST', '/v1/tasks', {
      body: { repo: 'acme/events', task_description: 'Slow [fake:turns=1] [fake:sleep=60000]' },
    });
    const id = created.body.data.task_id as string;
    await api.waitForEvent(id, (e) => e.type === 'agent.turn_completed', 60_000);
    expect((await api.request('DELETE', `/v1/tasks/${id}`)).status).toBe(200);
    await api.waitFor(id, (t) => t.status === 'CANCELLED', 60_000);
    const events = await api.waitForEvent(
      id,
      (e) => e.type === 'step.completed' && e.data.step === 'agent-execution',
      60_000,
    );
    expect(events.data).toMatchObject({ outcome: 'cancelled', status: 'CANCELLED', result: 'stop' });
  });
});
