import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';

/**
 * Every platform this test file starts (in this process or as a child, which inherits the
 * environment) checks each event it writes against the contract schemas and records a mismatch in
 * this file (`ABCA_EVENT_CHECK_FILE`); the file's tests fail on any. So every end-to-end suite is
 * also a check that what the platform emits is what the contract says.
 */
const file = join(inject('eventCheckDir'), `${process.pid}-${Math.random().toString(36).slice(2)}.jsonl`);
process.env.ABCA_EVENT_CHECK_FILE = file;

afterAll(() => {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (lines) throw new Error(`Events that do not match their contract schema:\n${describeViolations(lines)}`);
});

export function describeViolations(lines: string): string {
  return lines
    .split('\n')
    .slice(0, 20)
    .map((l) => {
      const v = JSON.parse(l) as {
        type: string;
        problem: { kind: string; issues?: string[] };
        data: unknown;
      };
      const why = v.problem.kind === 'unknown_type' ? 'unknown type' : (v.problem.issues ?? []).join('; ');
      return `  ${v.type}: ${why} — data ${JSON.stringify(v.data).slice(0, 300)}`;
    })
    .join('\n');
}
