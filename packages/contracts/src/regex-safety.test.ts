import { describe, expect, it } from 'vitest';
import { ApprovalPolicy } from './approval.ts';
import { hasNestedQuantifier } from './regex-safety.ts';

describe('hasNestedQuantifier', () => {
  it.each(['(a+)+', '(a*)*', '(\\w+\\s?)*$', '((ab)+)+', '((a|b+)?){2,}', '(?:x+y)+', '(a{2,})*'])(
    'refuses %s',
    (re) => {
      expect(hasNestedQuantifier(re)).toBe(true);
    },
  );

  it.each([
    '^git push',
    'rm -rf',
    '(curl|wget) .*https?://',
    '(a+)?',
    '(ab)+',
    '[(+)]+',
    '\\(a+\\)+',
    '(?:npm|yarn) (publish|deploy)',
    'a{1}(b+){1}',
  ])('accepts %s', (re) => {
    expect(hasNestedQuantifier(re)).toBe(false);
  });
});

describe('ApprovalPolicy', () => {
  it('names the bad command pattern and says why', () => {
    const bad = ApprovalPolicy.safeParse({ tools: { commands: ['^ok', '(a+)+$', '(unclosed'] } });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual([
      ['tools.commands.1', expect.stringContaining('exponential')],
      ['tools.commands.2', expect.stringContaining('valid regular expression')],
    ]);
  });
});
