import { describe, expect, it } from 'vitest';
import { badText, decodePercent, decodeUtf8, findBadText, printable } from './input-text.ts';

describe('input text', () => {
  it('refuses NUL and unpaired surrogates, and accepts every well-formed string', () => {
    expect(badText('a\u0000b')).toMatch(/NUL/);
    expect(badText('x\ud800')).toMatch(/unpaired surrogate \(U\+D800\)/);
    expect(badText('\udc00x')).toMatch(/U\+DC00/);
    expect(badText('\ud83d\ude00 ✓ 中文 \t\u0001 é')).toBeUndefined();
    expect(badText('')).toBeUndefined();
  });

  it('names the place of the first bad key or string, as validation errors do', () => {
    expect(findBadText({ a: 'ok', settings: { test_command: 'npm\u0000test' } })).toEqual({
      field: 'settings.test_command',
      message: expect.stringMatching(/NUL/),
    });
    expect(findBadText({ list: ['ok', 'x\ud800'] })?.field).toBe('list.1');
    expect(findBadText({ 'a\u0000': 1 })).toEqual({
      field: 'a\\u0000',
      message: expect.stringMatching(/its name/),
    });
    expect(findBadText('a\u0000')?.field).toBe('(body)');
    expect(findBadText({ a: [1, null, true, { b: 'fine' }] })).toBeUndefined();
  });

  it('walks a deeply nested body without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}"a\\u0000"${']'.repeat(200_000)}`);
    expect(findBadText(deep)?.message).toMatch(/NUL/);
  });

  it('decodes UTF-8 strictly and percent-encoding without throwing', () => {
    expect(decodeUtf8(Buffer.from('é ✓ 🚀'))).toBe('é ✓ 🚀');
    expect(decodeUtf8(Buffer.from([0x61, 0xff]))).toBeUndefined();
    expect(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined(); // an encoded surrogate
    expect(decodePercent('a%2Fb')).toBe('a/b');
    expect(decodePercent('%E0%A4%A')).toBeUndefined();
    expect(printable(`a\u0000\u001b${'x'.repeat(200)}`)).toMatch(/^a\\u0000\\u001bx+\.\.\.$/);
  });
});
