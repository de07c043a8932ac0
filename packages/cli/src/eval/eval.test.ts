import { fileURLToPath } from 'node:url';
import { EvalReport, type EvalTaskRun } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { CliError } from '../exit-codes.ts';
import { addedLines, repeatedCorrections } from './corrections.ts';
import { reportLines } from './report-view.ts';
import { deltas, summariseArm } from './summary.ts';
import { parseTaskFile, readTaskFile } from './task-file.ts';

const plain = { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String };

/** The CliError `fn` throws. */
function usageError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a CliError');
}

describe('the task file', () => {
  it('reads one task a line, skips blanks and comments, names tasks without an id by their line', () => {
    const tasks = parseTaskFile(
      [
        '# two tasks',
        '{"id":"logger","task":"Log the greeting","corrections":["console\\\\.log",{"pattern":"var ","rule":"const"}]}',
        '',
        '{"task":"Fix the typo","issue":4,"max_turns":10}',
      ].join('\n'),
      'tasks.jsonl',
    );
    expect(tasks).toEqual([
      {
        id: 'logger',
        line: 2,
        task: 'Log the greeting',
        corrections: [{ pattern: 'console\\.log' }, { pattern: 'var ', rule: 'const' }],
      },
      { id: 'task-4', line: 4, task: 'Fix the typo', issue: 4, max_turns: 10, corrections: [] },
    ]);
  });

  it.each([
    ['{"task":', 'tasks.jsonl, line 2: (the line): not valid JSON'],
    ['{"id":"a"}', 'tasks.jsonl, line 2: task: '],
    [
      '{"task":"x","corrections":["(unclosed"]}',
      'line 2: corrections[0].pattern: is not a valid regular expression',
    ],
    ['{"task":"x","max_turns":0}', 'line 2: max_turns: '],
    ['{"task":"x","colour":"red"}', 'line 2: (the line): Unrecognized key'],
    ['{"id":"ok","task":"again"}', 'line 2: id: "ok" is already used'],
    ['[1]', 'line 2: (the line): '],
  ])('a bad line (%s) is a usage error naming the line and field', (line, message) => {
    const err = usageError(() => parseTaskFile(`{"id":"ok","task":"fine"}\n${line}`, 'tasks.jsonl'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
  });

  it('the example file in examples/eval parses', async () => {
    const tasks = await readTaskFile(
      fileURLToPath(new URL('../../../../examples/eval/tasks.jsonl', import.meta.url)),
    );
    expect(tasks.map((t) => t.id)).toEqual(['verbose-flag', 'retry-fetch', 'issue-42']);
    expect(tasks[1]?.corrections).toHaveLength(2);
  });

  it('an empty file is a usage error', () => {
    expect(usageError(() => parseTaskFile('\n# nothing\n', 'f.jsonl')).message).toContain('holds no tasks');
  });
});

describe('corrections against a diff', () => {
  const diff = [
    'diff --git a/greet.js b/greet.js',
    '--- a/greet.js',
    '+++ b/greet.js',
    '@@ -1,2 +1,3 @@',
    ' export function greet(name) {',
    '-  console.log(name);',
    '+  logger.info(name);',
    '+  var x = 1;',
  ].join('\n');

  it('counts only the lines the diff adds', () => {
    expect(addedLines(diff)).toEqual(['  logger.info(name);', '  var x = 1;']);
    // console.log is removed, not added: not repeated. var is added: repeated.
    expect(
      repeatedCorrections(diff, [
        { pattern: 'console\\.log' },
        { pattern: '\\bvar\\b' },
        { pattern: 'b/greet' },
      ]),
    ).toEqual(['\\bvar\\b']);
  });
});

const result = (over: Partial<EvalTaskRun>): EvalTaskRun => ({
  task: 't',
  run: 1,
  arm: 'memory_off',
  task_id: '01J9Z3K8Q2W5V7X1Y4T6R8N0MB',
  status: 'COMPLETED',
  validation_passed: true,
  turns: 2,
  cost_usd: 0.01,
  corrections_checked: 1,
  corrections_repeated: [],
  ...over,
});

describe('the report', () => {
  const results = [
    result({
      arm: 'memory_off',
      validation_passed: false,
      turns: 4,
      cost_usd: 0.03,
      corrections_repeated: ['x'],
    }),
    result({ arm: 'memory_on', turns: 2, cost_usd: 0.01 }),
    result({ task: 'u', arm: 'memory_off', turns: 2, cost_usd: 0.01, corrections_checked: null }),
    result({
      task: 'u',
      arm: 'memory_on',
      status: 'FAILED',
      validation_passed: null,
      turns: 3,
      cost_usd: 0.02,
    }),
  ];
  const off = summariseArm(results, 'memory_off');
  const on = summariseArm(results, 'memory_on');

  it('sums each arm and subtracts off from on', () => {
    expect(off).toEqual({
      runs: 2,
      completed: 2,
      validation_passed: 1,
      validation_pass_rate: 0.5,
      corrections_checked: 1,
      corrections_repeated: 1,
      corrections_repeated_share: 1,
      turns_total: 6,
      turns_mean: 3,
      cost_usd_total: 0.04,
      cost_usd_mean: 0.02,
    });
    expect(on).toMatchObject({ completed: 1, validation_pass_rate: 0.5, corrections_checked: 2 });
    expect(deltas(off, on)).toEqual({
      validation_pass_rate: 0,
      corrections_repeated_share: -1,
      turns_mean: -0.5,
      cost_usd_mean: -0.005,
    });
    expect(deltas(summariseArm([], 'memory_off'), on).validation_pass_rate).toBeNull();
  });

  it('prints both arms side by side, the deltas, and every run', () => {
    const report = EvalReport.parse({
      repo: 'acme/app',
      tasks: 2,
      runs: 1,
      complete: false,
      arms: { memory_off: off, memory_on: on },
      deltas: deltas(off, on),
      results,
    });
    const text = reportLines(report, plain).join('\n');
    expect(text).toContain('Interrupted');
    expect(text).toMatch(/^validation pass rate\s+50% \(1\/2\)\s+50% \(1\/2\)\s+\+0 pts$/m);
    expect(text).toMatch(/^corrections repeated\s+100% \(1\/1\)\s+0% \(0\/2\)\s+-100 pts$/m);
    expect(text).toMatch(/^turns \(mean\)\s+3\.0\s+2\.5\s+-0\.5$/m);
    expect(text).toMatch(/^cost \(mean\)\s+\$0\.0200\s+\$0\.0150\s+-\$0\.0050$/m);
    expect(text).toContain('corrections not checked (no diff)');
    expect(text).toContain('repeated 1/1: x');
  });
});
