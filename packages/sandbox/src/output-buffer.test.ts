import { describe, expect, it } from 'vitest';
import { OutputBuffer } from './output-buffer.ts';

describe('OutputBuffer', () => {
  it('keeps both streams under one shared byte cap', () => {
    const buffer = new OutputBuffer(10);
    expect(buffer.push('stdout', Buffer.from('123456'))).toBe('123456');
    expect(buffer.push('stderr', Buffer.from('abcdef'))).toBe('abcd');
    expect(buffer.push('stdout', Buffer.from('more'))).toBe('');
    expect(buffer.text('stdout')).toBe('123456');
    expect(buffer.text('stderr')).toBe('abcd');
    expect(buffer.truncated).toBe(true);
    expect(buffer.runaway).toBe(false);
  });

  it('decodes UTF-8 split across chunks', () => {
    const buffer = new OutputBuffer(100);
    const euro = Buffer.from('€');
    buffer.push('stdout', euro.subarray(0, 1));
    buffer.push('stdout', euro.subarray(1));
    expect(buffer.text('stdout')).toBe('€');
    expect(buffer.truncated).toBe(false);
  });

  it('flags a runaway printer at four times the cap', () => {
    const buffer = new OutputBuffer(10);
    buffer.push('stdout', Buffer.alloc(40, 'x'));
    expect(buffer.runaway).toBe(false);
    buffer.push('stdout', Buffer.from('x'));
    expect(buffer.runaway).toBe(true);
  });
});
