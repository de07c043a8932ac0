import { readFile } from 'node:fs/promises';
import { EvalTaskLine } from '@abca/contracts';
import { CliError, EXIT } from '../exit-codes.ts';

/** A task of the file, named. */
export type EvalTask = EvalTaskLine & { readonly id: string; readonly line: number };

/** At most this many tasks in one file: each runs twice per run. */
export const MAX_EVAL_TASKS = 200;

const fieldOf = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(the line)'
    : path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');

/**
 * Parses a task file: one JSON object a line (blank lines and lines starting with `#` skipped).
 * A bad line is a usage error (exit 2) naming the file, the line and the field.
 */
export function parseTaskFile(text: string, source: string): EvalTask[] {
  const tasks: EvalTask[] = [];
  const ids = new Set<string>();
  const bad = (line: number, field: string, message: string): never => {
    throw new CliError(`${source}, line ${line}: ${field}: ${message}`, EXIT.USAGE, {
      hint: 'Each line is a JSON object such as {"id":"a","task":"Add a --verbose flag","corrections":["console\\\\.log"]} (docs/memory.md).',
    });
  };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      bad(line, '(the line)', `not valid JSON (${(err as Error).message})`);
    }
    const parsed = EvalTaskLine.safeParse(json);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      bad(line, fieldOf(issue?.path ?? []), issue?.message ?? 'invalid');
      continue;
    }
    const id = parsed.data.id ?? `task-${line}`;
    if (ids.has(id)) bad(line, 'id', `"${id}" is already used by an earlier line`);
    ids.add(id);
    tasks.push({ ...parsed.data, id, line });
  }
  if (tasks.length === 0) {
    throw new CliError(`${source} holds no tasks.`, EXIT.USAGE, { hint: 'Give one JSON object a line.' });
  }
  if (tasks.length > MAX_EVAL_TASKS) {
    throw new CliError(`${source} holds ${tasks.length} tasks; at most ${MAX_EVAL_TASKS}.`, EXIT.USAGE);
  }
  return tasks;
}

/** Reads and parses a task file (see {@link parseTaskFile}); a file that cannot be read exits 2. */
export async function readTaskFile(path: string): Promise<EvalTask[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read the task file ${path}: ${(err as Error).message}`, EXIT.USAGE);
  }
  return parseTaskFile(text, path);
}
