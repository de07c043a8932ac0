import { describe, expect, it } from 'vitest';
import { agentEventSchema } from '../src/index.ts';
import { createToolOutputTail } from '../src/loop/tool-output-tail.ts';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

const SECRET = 'sk-abca-progress-secret-0123456789';

describe('progress of a run while it works', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('says what the model wrote, which tool starts, and a long command’s output as it runs', async () => {
    const slow = `for i in $(seq 1 12); do echo "line $i"; sleep 0.25; done; echo ${SECRET}; sleep 0.6; echo finished`;
    server.script(
      reply().text('I will run the slow suite first.').tool('bash', { command: slow }),
      reply().tool('bash', { command: 'echo quick' }),
      reply().text('All done.'),
    );
    const { result, events } = await run(ws, server, {
      toolOutputIntervalMs: 500,
      redactSecrets: [SECRET],
    });
    expect(result.outcome).toBe('completed');
    for (const event of events) agentEventSchema.parse(event);

    expect(ofType(events, 'message').map((e) => [e.turn, e.text])).toEqual([
      [1, 'I will run the slow suite first.'],
      [3, 'All done.'],
    ]);
    const started = ofType(events, 'tool_started');
    expect(started.map((e) => [e.turn, e.tool, e.argsPreview])).toEqual([
      [1, 'bash', slow.replace(SECRET, '[REDACTED]')],
      [2, 'bash', 'echo quick'],
    ]);

    const slowCall = ofType(events, 'tool_call')[0];
    const tails = ofType(events, 'tool_output');
    // The quick command ended within the interval: no tail of it.
    expect(tails.every((t) => t.turn === 1 && t.toolCallId === slowCall?.toolCallId)).toBe(true);
    expect(tails.length).toBeGreaterThanOrEqual(2);
    // Throttled: at most one report per interval of the command's run.
    expect(tails.length).toBeLessThanOrEqual(Math.ceil((slowCall?.durationMs ?? 0) / 500) + 1);
    for (let i = 1; i < tails.length; i++) {
      expect(tails[i]?.bytes).toBeGreaterThan(tails[i - 1]?.bytes ?? 0);
      expect(tails[i]?.elapsedMs).toBeGreaterThanOrEqual((tails[i - 1]?.elapsedMs ?? 0) + 400);
    }
    expect(tails[0]?.tail).toMatch(/^line \d+$/m);
    const all = tails.map((t) => t.tail).join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).toContain('[REDACTED]');

    // In order: started, its output, its result.
    const at = (e: (typeof events)[number]) => events.indexOf(e);
    const first = started[0];
    if (!first || !slowCall || !tails[0]) throw new Error('missing events');
    expect(at(first)).toBeLessThan(at(tails[0]));
    expect(at(tails.at(-1) as (typeof tails)[number])).toBeLessThan(at(slowCall));
  });
});

describe('the output tail', () => {
  it('keeps its reports to the last lines within the character bound', async () => {
    let now = 0;
    const reports: { tail: string; bytes: number }[] = [];
    const tail = createToolOutputTail({
      intervalMs: 1000,
      maxChars: 100,
      maxLines: 3,
      redact: (t) => t,
      now: () => now,
      report: async (r) => {
        reports.push(r);
      },
    });
    tail.push('first\n');
    expect(reports).toHaveLength(0); // nothing in the first interval
    now = 1000;
    tail.push(`${'x'.repeat(500)}\na\nb\nc\nd\n`);
    now = 1500;
    tail.push('e\n');
    await tail.close();
    expect(reports).toEqual([{ tail: 'b\nc\nd', bytes: 515, elapsedMs: 1000 }]);
    tail.push('after close\n');
    expect(reports).toHaveLength(1);
  });
});
