import { describe, expect, it } from 'vitest';
import type { ThreadRef } from './iteration-context.ts';
import { parseThreadReplies, REPLY_MAX_CHARS } from './replies.ts';

const threads: ThreadRef[] = [
  { ref: 'T1', id: '101', path: 'a.ts', line: 1 },
  { ref: 'T2', id: '205', path: 'b.ts', line: 2 },
];

describe('parseThreadReplies', () => {
  it('reads one line per thread, in the forms a model writes them', () => {
    const summary = [
      'I renamed the function and added a test.',
      '',
      'T1: Renamed greet() to greetPerson() as asked.',
      '- **T2**: The default is kept; a comment explains why.',
    ].join('\n');
    expect(parseThreadReplies(summary, threads)).toEqual([
      { ref: 'T1', text: 'Renamed greet() to greetPerson() as asked.' },
      { ref: 'T2', text: 'The default is kept; a comment explains why.' },
    ]);
  });

  it('ignores an id the prompt did not name, a second line for a thread, and empty replies', () => {
    const summary = ['T3: not a thread', 'T1: first', 'T1: second', 'T2:   ', 'T01: padded'].join('\n');
    expect(parseThreadReplies(summary, threads)).toEqual([{ ref: 'T1', text: 'first' }]);
  });

  it('cuts a huge reply and reads nothing from no summary', () => {
    const [reply] = parseThreadReplies(`T2: ${'y'.repeat(100_000)}`, threads);
    expect(reply?.text.length).toBe(REPLY_MAX_CHARS);
    expect(reply?.text.endsWith('…')).toBe(true);
    expect(parseThreadReplies(undefined, threads)).toEqual([]);
    expect(parseThreadReplies('T1: x', [])).toEqual([]);
  });
});
