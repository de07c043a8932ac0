import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { planCompaction, renderHistory } from './compact.ts';
import { contextWindowFor } from './context-window.ts';
import { pruneToolOutputs, recentTurnsStart } from './prune.ts';

const user = (content: string): ModelMessage => ({ role: 'user', content });
const call = (id: string, command: string): ModelMessage => ({
  role: 'assistant',
  content: [{ type: 'tool-call', toolCallId: id, toolName: 'bash', input: { command } }],
});
const result = (id: string, value: string): ModelMessage => ({
  role: 'tool',
  content: [{ type: 'tool-result', toolCallId: id, toolName: 'bash', output: { type: 'text', value } }],
});
const big = (tag: string) => `${tag}\n`.repeat(200);

const history: ModelMessage[] = [
  user('the task'),
  call('c1', 'one'),
  result('c1', big('one')),
  call('c2', 'two'),
  result('c2', big('two')),
  call('c3', 'three'),
  result('c3', big('three')),
  user('[ABCA] last turn'),
];

describe('turn boundaries, pruning and compaction plans', () => {
  it('finds where the recent turns start', () => {
    expect(recentTurnsStart(history, 0)).toBe(history.length);
    expect(recentTurnsStart(history, 1)).toBe(5);
    expect(recentTurnsStart(history, 2)).toBe(3);
    expect(recentTurnsStart(history, 9)).toBe(1);
  });

  it('prunes long outputs of older turns only, saving each, and never twice', async () => {
    const saved: string[] = [];
    const store = {
      save: async (key: string) => {
        saved.push(key);
        return `.git/abca-output/${key}.txt`;
      },
    };
    const once = await pruneToolOutputs(history, store, 2);
    expect(once.outputs).toBe(1);
    expect(saved).toEqual(['c1']);
    expect(JSON.stringify(once.messages[2])).toContain('.git/abca-output/c1.txt');
    expect(once.messages.slice(3)).toEqual(history.slice(3));
    const twice = await pruneToolOutputs(once.messages, store, 2);
    expect(twice.outputs).toBe(0);
  });

  it('keeps the task, the recent turns that fit and what follows the last turn', () => {
    const roomy = planCompaction(history, 2, 100_000);
    expect(roomy?.task).toEqual(history[0]);
    expect(roomy?.older).toEqual(history.slice(1, 3));
    expect(roomy?.recent).toEqual(history.slice(3));
    const tight = planCompaction(history, 2, 10);
    expect(tight?.older).toEqual(history.slice(1, 7));
    expect(tight?.recent).toEqual([user('[ABCA] last turn')]);
    expect(planCompaction([user('the task'), user('summary')], 2, 10)).toBeUndefined();
  });

  it('renders the history as text within its budget, newest kept', () => {
    const text = renderHistory(history, 1500);
    expect(text.length).toBeLessThanOrEqual(1500 + 40);
    expect(text).toContain('USER: [ABCA] last turn');
    expect(text).toMatch(/^\[\d+ earlier items omitted\]/);
    expect(renderHistory(history.slice(0, 2), 10_000)).toBe(
      'USER: the task\n\nTOOL CALL bash: {"command":"one"}',
    );
  });

  it('knows the windows of the model families it can vouch for, and no other', () => {
    expect(contextWindowFor('anthropic:claude-sonnet-4-5')).toBe(200_000);
    expect(contextWindowFor('bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(200_000);
    expect(contextWindowFor('openai:gpt-4o-mini')).toBe(128_000);
    expect(contextWindowFor('openai-compatible:qwen3')).toBeUndefined();
    expect(contextWindowFor('openai-compatible:qwen3', 32_768)).toBe(32_768);
    expect(contextWindowFor('anthropic:claude-sonnet-4-5', 50_000)).toBe(50_000);
  });
});
