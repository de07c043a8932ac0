import { describe, expect, it } from 'vitest';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

describe('stuck detection', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('steers once after the same failing call three times, then stops with stuck', async () => {
    const failing = () => reply().tool('bash', { command: 'cat missing.txt' });
    server.script(
      failing(),
      failing(),
      failing(),
      failing(),
      failing(),
      failing(),
      reply().text('never asked'),
    );
    const { result, events } = await run(ws, server);

    expect(result.outcome).toBe('stuck');
    expect(result.error).toMatchObject({ code: 'AGENT_STUCK', retryable: false });
    expect(result.turns).toBe(6);
    const steering = ofType(events, 'steering');
    expect(steering).toEqual([expect.objectContaining({ turn: 3, reason: 'repeated_failure' })]);
    expect(JSON.stringify(server.requests[3]?.body)).toContain('same failing tool call three times');
    expect(JSON.stringify(server.requests[2]?.body)).not.toContain('same failing tool call');
  });

  it('a run of failures across different calls also steers, and recovery lets the run finish', async () => {
    server.script(
      reply().tool('read_file', { path: 'nope1' }),
      reply().tool('read_file', { path: 'nope2' }),
      reply().tool('read_file', { path: 'nope3' }),
      reply().tool('read_file', { path: 'nope4' }),
      reply().tool('read_file', { path: 'nope5' }),
      reply().tool('read_file', { path: 'hello.txt' }),
      reply().text('Recovered.'),
    );
    const { result, events } = await run(ws, server);

    expect(ofType(events, 'steering')).toEqual([
      expect.objectContaining({ turn: 5, reason: 'failure_streak' }),
    ]);
    expect(result.outcome).toBe('completed');
  });
});
