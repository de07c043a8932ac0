import { describe, expect, it } from 'vitest';
import { AppError } from '../ops/errors.ts';
import { contentKey } from './content-key.ts';
import { isMemoryImport, MAX_IMPORT_LINES, parseImportLines } from './memory-lines.ts';

const line = (title: string) =>
  JSON.stringify({ kind: 'review_rule', title, body: 'A rule.', provenance: { source: 'person' } });

function refusal(text: string): AppError {
  try {
    parseImportLines(text);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('parseImportLines', () => {
  it('reads every non-empty line with its line number (CRLF too)', () => {
    const out = parseImportLines(`${line('a')}\r\n\r\n${line('b')}\n`);
    expect(out.map((l) => [l.line, l.record.title])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
    expect(out[0]?.record).toMatchObject({ user_id: null, category: null, citations: [], pinned: false });
  });

  it('names at most 20 bad lines and counts the rest', () => {
    const err = refusal(Array.from({ length: 30 }, () => '{').join('\n'));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.options.details).toHaveLength(20);
    expect(err.options.details?.[0]?.field).toBe('line.1');
    expect(err.message).toMatch(/and 10 more/);
  });

  it(`refuses more than ${MAX_IMPORT_LINES} records`, () => {
    const err = refusal(Array.from({ length: MAX_IMPORT_LINES + 1 }, (_, i) => line(`r${i}`)).join('\n'));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses an unpaired surrogate in a key, naming it', () => {
    const err = refusal(`${line('a')}\n{"ti\\ud800tle": "x"}`);
    expect(err.options.details?.[0]?.field).toMatch(/^line\.2\./);
  });
});

describe('contentKey', () => {
  it('ignores case and spacing, not kind, user or words', () => {
    const base = { kind: 'review_rule' as const, title: 'Use the logger', body: 'Always.' };
    expect(contentKey(base)).toBe(contentKey({ ...base, title: ' use  THE logger ' }));
    expect(contentKey(base)).not.toBe(contentKey({ ...base, kind: 'repo_knowledge' }));
    expect(contentKey(base)).not.toBe(contentKey({ ...base, body: 'Never.' }));
    expect(contentKey({ ...base, kind: 'user_preference', userId: 'a' })).not.toBe(
      contentKey({ ...base, kind: 'user_preference', userId: 'b' }),
    );
  });
});

describe('isMemoryImport', () => {
  it('is the import route of any repo spelling, and nothing else', () => {
    expect(isMemoryImport('POST', '/v1/repos/acme%2Fapp/memory/import')).toBe(true);
    expect(isMemoryImport('POST', '/v1/repos/acme/app/memory/import')).toBe(true);
    expect(isMemoryImport('GET', '/v1/repos/acme/app/memory/import')).toBe(false);
    expect(isMemoryImport('POST', '/v1/repos/acme/app/memory')).toBe(false);
    expect(isMemoryImport('POST', '/v1/tasks/memory/import')).toBe(false);
  });
});
