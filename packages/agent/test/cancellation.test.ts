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

describe('cancellation', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext((c) => {
    ({ ws, server } = c);
  });

  for (const stream of [true, false]) {
    it(`aborts a hanging model call at once (stream: ${stream})`, async () => {
      const cancel = new AbortController();
      server.script(reply().tool('bash', { command: 'true' }), reply().hang());
      server.onRequest(() => {
        if (server.requests.length === 2) cancel.abort();
      });
      const started = performance.now();
      const { result, events, saved } = await run(ws, server, { signal: cancel.signal, stream });

      expect(result.outcome).toBe('cancelled');
      expect(performance.now() - started).toBeLessThan(3000);
      expect(result.turns).toBe(1);
      expect(events.at(-1)).toMatchObject({ type: 'agent_finished', outcome: 'cancelled' });
      expect(saved.at(-1)).toMatchObject({ status: 'finished', outcome: 'cancelled', turns: 1 });
    });
  }

  it('kills a running command at once (sleep 30)', async () => {
    const cancel = new AbortController();
    // Abort as soon as the sandbox is asked to run the command.
    const inner = ws.sandbox;
    const sandbox: Sandbox = {
      id: inner.id,
      kind: inner.kind,
      workspacePath: inner.workspacePath,
      exec: (command, options) => {
        const running = inner.exec(command, options);
        if (command.includes('sleep 30')) cancel.abort();
        return running;
      },
      readFile: (path) => inner.readFile(path),
      writeFile: (path, content) => inner.writeFile(path, content),
      stop: () => inner.stop(),
    };
    server.script(
      reply().tool('bash', { command: 'echo begin; sleep 30; echo end' }),
      reply().text('never asked'),
    );
    const started = performance.now();
    const { result, events } = await run(ws, server, { signal: cancel.signal, sandbox });

    expect(result.outcome).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(1);
    const [call] = ofType(events, 'tool_call');
    expect(call).toMatchObject({ tool: 'bash', isError: true });
    expect(call?.result).toContain('cancelled');
    expect(call?.result).not.toContain('end');
    // No process of the command is left (the sandbox's own init may be a `sleep infinity`).
    const survivors = await inner.exec(
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f 2>/dev/null; echo; done | grep -c '^sleep 30' || true",
    );
    expect(survivors.stdout.trim()).toBe('0');
    // The transcript stays well-formed: the tool call has its (cancelled) result.
    const last = result.transcript.messages.at(-1);
    expect(last?.role).toBe('tool');
  });

  it('an already-aborted signal ends the run before any model call', async () => {
    const cancel = new AbortController();
    cancel.abort();
    const { result } = await run(ws, server, { signal: cancel.signal });
    expect(result.outcome).toBe('cancelled');
    expect(server.requests).toHaveLength(0);
  });
});
