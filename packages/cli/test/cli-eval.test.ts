import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from './support/cli.ts';

/**
 * `abca eval`'s bad input, through the real binary: the task file is checked before any server is
 * asked (the URL below answers nothing), and each mistake exits 2 naming the line and the field.
 */
const dir = mkdtempSync(join(tmpdir(), 'abca-eval-file-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const env = { ABCA_HOME: tempHome(), ABCA_URL: 'http://127.0.0.1:9', ABCA_API_KEY: 'abca_unused' };
const GOOD = '{"id":"a","task":"Add a flag"}';

describe.concurrent('abca eval, bad input', () => {
  it('a bad line exits 2 naming the file, the line and the field', async () => {
    const cases = [
      ['field.jsonl', `${GOOD}\n{"id":"b","task":"x","max_turns":0}\n`, 'field.jsonl, line 2: max_turns:'],
      [
        'regex.jsonl',
        `${GOOD}\n\n{"task":"x","corrections":["(a"]}\n`,
        'line 3: corrections[0].pattern: is not a valid regular expression',
      ],
      ['json.jsonl', `{"task":`, 'json.jsonl, line 1: (the line): not valid JSON'],
      ['missing.jsonl', '{"id":"b"}', 'line 1: task:'],
      ['dup.jsonl', `${GOOD}\n${GOOD}`, 'line 2: id: "a" is already used'],
      ['empty.jsonl', '# nothing\n', 'holds no tasks'],
    ] as const;
    const results = await Promise.all(
      cases.map(([name, text]) => runCli(['eval', 'acme/app', '--tasks', file(name, text)], env)),
    );
    for (const [i, res] of results.entries()) {
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(cases[i]?.[2]);
      expect(res.stdout).toBe('');
    }
  });

  it('a missing file, a bad --runs and no --tasks exit 2', async () => {
    const [missing, runs, none] = await Promise.all([
      runCli(['eval', 'acme/app', '--tasks', join(dir, 'nope.jsonl')], env),
      runCli(['eval', 'acme/app', '--tasks', file('ok.jsonl', GOOD), '--runs', '0'], env),
      runCli(['eval', 'acme/app'], env),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read the task file');
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain("'--runs <n>' argument '0' is invalid");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--tasks');
  });
});
