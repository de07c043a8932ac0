import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * When each branch of a mirror was last fetched: the time (epoch ms) the fetch that brought it
 * began. Kept in the mirror as `abca-fetched.json`, written under the mirror's lock, so a worker
 * that waited on another worker's refresh can use its result when it is fresh enough. Outside the
 * object folder: a workspace clone never copies it.
 */
export type FetchRecord = Record<string, number>;

const FILE = 'abca-fetched.json';

export async function readFetchRecord(mirror: string): Promise<FetchRecord> {
  try {
    const parsed = JSON.parse(await readFile(join(mirror, FILE), 'utf8')) as { branches?: unknown };
    const out: FetchRecord = {};
    if (parsed.branches && typeof parsed.branches === 'object') {
      for (const [b, at] of Object.entries(parsed.branches)) if (typeof at === 'number') out[b] = at;
    }
    return out;
  } catch {
    // Missing (a mirror from before the record, or new) or unreadable: nothing counts as fetched.
    return {};
  }
}

export async function writeFetchRecord(mirror: string, record: FetchRecord): Promise<void> {
  const tmp = join(mirror, `${FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify({ branches: record }));
  await rename(tmp, join(mirror, FILE));
}

/** Every branch was fetched by a fetch that began at or after `since`. */
export function fetchedSince(record: FetchRecord, branches: Iterable<string>, since: number): boolean {
  for (const b of branches) if (!((record[b] ?? Number.NEGATIVE_INFINITY) >= since)) return false;
  return true;
}

/** The oldest fetch time among `branches` (how fresh an answer built from them is). */
export function oldestFetch(record: FetchRecord, branches: Iterable<string>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const b of branches) min = Math.min(min, record[b] ?? Number.NEGATIVE_INFINITY);
  return min;
}
