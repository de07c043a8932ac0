import { generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createScriptedModelServer,
  parseScript,
  reply,
  type ScriptedModelServer,
  ScriptFileError,
} from '../src/index.ts';
import { PROVIDERS } from './support/providers.ts';

/** Replies chosen by what the model is asked: `reply().when(text)` and the script's `when`. */
let server: ScriptedModelServer;
beforeAll(async () => {
  server = await createScriptedModelServer();
});
beforeEach(() => server.reset());
afterAll(() => server.close());

describe.each(PROVIDERS)('$name', (provider) => {
  const ask = async (system: string, prompt: string) =>
    (await generateText({ model: provider.model(server), system, prompt, maxRetries: 0 })).text;

  it('answers a request with the first queued reply whose texts it contains, the others with the rest in order', async () => {
    server.script(
      reply().when('RULE-MARK').text('with the rule'),
      reply().text('plain 1'),
      reply().when('RULE-MARK', 'TASK-B').text('rule and task B'),
      reply().text('plain 2'),
    );
    // No mark: the conditional replies are skipped, not consumed.
    expect(await ask('You are helpful.', 'TASK-A')).toBe('plain 1');
    // The mark in the system prompt, with a quote in it (matched decoded, not as JSON escapes).
    expect(await ask('Rules: "RULE-MARK" use the logger.', 'TASK-A')).toBe('with the rule');
    // Both texts needed: the mark alone does not take the TASK-B reply.
    expect(await ask('RULE-MARK', 'TASK-A')).toBe('plain 2');
    expect(server.pending).toBe(1);
    expect(await ask('RULE-MARK', 'now TASK-B')).toBe('rule and task B');
    expect(server.pending).toBe(0);
  });

  it('a request no pending reply matches is answered 500, naming it, and consumes nothing', async () => {
    server.script(reply().when('RULE-MARK').text('never'));
    await expect(ask('nothing here', 'hi')).rejects.toThrow(
      /no scripted reply matches request 1 \(1 pending/,
    );
    expect(server.pending).toBe(1);
    expect(await ask('RULE-MARK', 'hi')).toBe('never');
  });
});

describe('when in a script file', () => {
  it('takes one text or several, and rejects an empty one', () => {
    const [one, many] = parseScript([
      { when: 'RULE-MARK', text: 'a' },
      { when: ['A', 'B'], text: 'b' },
    ]).map((b) => b.build());
    expect(one?.when).toEqual(['RULE-MARK']);
    expect(many?.when).toEqual(['A', 'B']);
    expect(() => parseScript([{ when: '', text: 'x' }])).toThrow(ScriptFileError);
    expect(() => parseScript([{ when: '', text: 'x' }])).toThrow(/\[0\]\.when/);
    expect(() => reply().when('')).toThrow(RangeError);
  });
});
