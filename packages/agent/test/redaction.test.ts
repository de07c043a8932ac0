import { describe, expect, it } from 'vitest';
import {
  ofType,
  reply,
  run,
  type ScriptedModelServer,
  useRunContext,
  type Workspace,
} from './support/harness.ts';

const SECRET = 'hunter2-task-token-8c41f0';
const GITHUB_TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';

describe('redaction', () => {
  let ws: Workspace;
  let server: ScriptedModelServer;
  useRunContext(
    (c) => {
      ({ ws, server } = c);
    },
    { '.env': `TOKEN=${SECRET}\nGH=${GITHUB_TOKEN}\n` },
  );

  for (const protocol of ['openai', 'anthropic'] as const) {
    it(`secrets printed by a command reach neither the model nor the events (${protocol})`, async () => {
      server.script(
        reply().tool('bash', { command: 'cat .env; cat .env >&2; exit 3' }),
        reply().tool('read_file', { path: '.env' }),
        reply().tool('grep', { pattern: 'TOKEN' }),
        reply().text('Checked the environment file.'),
      );
      const { result, events, saved } = await run(ws, server, { protocol, redactSecrets: [SECRET] });

      expect(result.outcome).toBe('completed');
      const wire = server.requests.map((r) => JSON.stringify(r.body)).join('\n');
      const recorded = JSON.stringify({ events, saved, result });
      for (const secret of [SECRET, GITHUB_TOKEN]) {
        expect(wire).not.toContain(secret);
        expect(recorded).not.toContain(secret);
      }
      expect(wire).toContain('TOKEN=[REDACTED]');
      expect(ofType(events, 'tool_call')[0]?.result).toContain('GH=[REDACTED]');
    });
  }

  it('token-shaped strings in tool arguments and errors are redacted in events', async () => {
    server.script(reply().tool('read_file', { path: `config/${GITHUB_TOKEN}.txt` }), reply().text('ok'));
    const { events } = await run(ws, server);
    const [call] = ofType(events, 'tool_call');
    expect(call?.args).toEqual({ path: 'config/[REDACTED].txt' });
    expect(call?.result).toContain('[REDACTED]');
    expect(JSON.stringify(events)).not.toContain(GITHUB_TOKEN);
  });
});
