import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/sandbox-port.ts';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

/** The sandbox of `ws`, calling `onCommand` as soon as a command containing `marker` starts. */
function watchedSandbox(ws: Workspace, marker: string, onCommand: () => void): Sandbox {
  const inner = ws.sandbox;
  return {
    id: inner.id,
    kind: inner.kind,
    workspacePath: inner.workspacePath,
    exec: (command, options) => {
      const running = inner.exec(command, options);
      if (command.includes(marker)) onCommand();
      return running;
    },
    readFile: (path) => inner.readFile(path),
    writeFile: (path, content) => inner.writeFile(path, content),
    stop: () => inner.stop(),
  };
}

/** The messages of a recorded chat request, without the system prompt. */
function conversation(server: ScriptedModelServer, n: number): unknown[] {
  const body = server.requests[n]?.body as { messages: { role: string }[] };
  return body.messages.filter((m) => m.role !== 'system');
}

describe('graceful stop (drain)', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  it('lets the running command finish, then stops at the turn boundary with the turn saved', async () => {
    const drain = new AbortController();
    const sandbox = watchedSandbox(ws, 'sleep 1', () => drain.abort());
    server.script(
      reply().tool('bash', { command: 'sleep 1; echo finished-anyway' }),
      reply().text('never asked before the resume'),
    );
    const first = await run(ws, server, { sandbox, drain: drain.signal });

    expect(first.result.outcome).toBe('interrupted');
    expect(server.requests).toHaveLength(1);
    const [call] = ofType(first.events, 'tool_call');
    expect(call).toMatchObject({ tool: 'bash', isError: false });
    expect(call?.result).toContain('finished-anyway');
    expect(first.saved.at(-1)).toMatchObject({ status: 'finished', outcome: 'interrupted', turns: 1 });
    expect(first.result.transcript.messages.at(-1)?.role).toBe('tool');
    expect(first.events.at(-1)).toMatchObject({ type: 'agent_finished', outcome: 'interrupted' });

    // The next start resumes from the saved transcript: the turn is not made again.
    const second = await run(ws, server, { transcript: first.result.transcript });
    expect(second.result.outcome).toBe('completed');
    expect(server.requests).toHaveLength(2);
    expect(JSON.stringify(conversation(server, 1))).toContain('finished-anyway');
    expect(second.result.turns).toBe(2);
  });

  it('at the deadline aborts the command: no tool error, nothing for stuck detection, the turn is redone', async () => {
    let started = 0;
    const command = { command: 'echo begin; sleep 30; echo end' };
    server.script(
      reply().tool('write_file', { path: 'one.txt', content: 'one\n' }),
      reply().tool('bash', command),
      reply().tool('bash', command),
      reply().tool('bash', command),
      reply().tool('bash', { command: 'echo done' }),
      reply().text('All done.'),
    );
    let transcript: Awaited<ReturnType<typeof run>>['result']['transcript'] | undefined;
    const toolEvents: unknown[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      // The stop's deadline, reached while the command runs: each attempt is cut there, three
      // times the same command, as stuck detection would count it if aborted calls were failures.
      const controller = new AbortController();
      const began = performance.now();
      const { result, events } = await run(ws, server, {
        sandbox: watchedSandbox(ws, 'sleep 30', () => {
          started += 1;
          controller.abort();
        }),
        interrupt: controller.signal,
        ...(transcript ? { transcript } : {}),
      });
      expect(performance.now() - began).toBeLessThan(10_000);
      expect(result.outcome).toBe('interrupted');
      expect(result.error).toBeUndefined();
      toolEvents.push(...ofType(events, 'tool_call').filter((e) => e.tool === 'bash'));
      expect(ofType(events, 'steering')).toHaveLength(0);
      // The transcript goes back to the start of the cut turn: only the write_file turn is kept.
      expect(result.turns).toBe(1);
      expect(result.transcript.toolHistory.every((r) => !r.isError)).toBe(true);
      expect(JSON.stringify(result.transcript.messages)).not.toContain('sleep 30');
      // The spent tokens still count.
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      transcript = result.transcript;
    }
    expect(started).toBe(3);
    // No aborted call was reported as a tool call, let alone a failing one.
    expect(toolEvents).toHaveLength(0);
    // Each redo asked the model the same thing as the cut turn did.
    expect(conversation(server, 2)).toEqual(conversation(server, 1));
    expect(conversation(server, 3)).toEqual(conversation(server, 1));

    const last = await run(ws, server, { ...(transcript ? { transcript } : {}) });
    expect(last.result.outcome).toBe('completed');
    expect(ofType(last.events, 'steering')).toHaveLength(0);
    expect(last.result.turns).toBe(3);
    // Nothing of the command is left running.
    const survivors = await ws.sandbox.exec(
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done | grep -c '^sleep 30' || true",
    );
    expect(survivors.stdout.trim()).toBe('0');
  });

  it('abandons a model call in flight at once; the resume makes that turn', async () => {
    const drain = new AbortController();
    server.script(reply().tool('bash', { command: 'true' }), reply().hang(), reply().text('Done.'));
    server.onRequest(() => {
      if (server.requests.length === 2) drain.abort();
    });
    const began = performance.now();
    const first = await run(ws, server, { drain: drain.signal });
    expect(performance.now() - began).toBeLessThan(5000);
    expect(first.result.outcome).toBe('interrupted');
    expect(first.result.turns).toBe(1);
    expect(ofType(first.events, 'model_call').filter((e) => e.error)).toHaveLength(0);

    server.onRequest(undefined);
    const second = await run(ws, server, { transcript: first.result.transcript });
    expect(second.result.outcome).toBe('completed');
    expect(conversation(server, 2)).toEqual(conversation(server, 1));
  });

  it('an already-draining run stops before any model call', async () => {
    const drain = new AbortController();
    drain.abort();
    const { result } = await run(ws, server, { drain: drain.signal });
    expect(result.outcome).toBe('interrupted');
    expect(server.requests).toHaveLength(0);
    expect(result.transcript.status).toBe('finished');
  });
});
