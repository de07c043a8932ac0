/**
 * Where benchmarks' folders go, and when they are removed.
 *
 * On a disk whose ext4 has no journal (these machines), the kernel skips every inode freed in the
 * last five minutes when it places a new file, reading the inode table for each: files made after
 * a large removal cost several times more (docs/benchmarks.md, "2026-12-03 (fifth session)"). A
 * bench that removed its folders at its end made the next bench's clones and checkouts pay for
 * them. So `npm run bench` (bench/run.ts) gives every bench one run folder as its TMPDIR and a
 * list file; a bench's removals are then only written to the list, and the runner removes
 * everything on it, and the run folder, once the last bench has ended. A bench run on its own
 * removes its folders at once, as before.
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** The environment variable that names the run's list of folders to remove at its end (read in bench-config.ts). */
export const REMOVE_LIST_ENV = 'ABCA_BENCH_REMOVE_LIST';

/**
 * Removes `path` now, or, under the runner (`removeList` set: the value of REMOVE_LIST_ENV), adds it
 * to the run's list for the runner to remove after the last bench.
 */
export function removeBenchFolder(path: string, removeList: string | undefined): void {
  if (removeList) appendFileSync(removeList, `${path}\n`);
  else rmSync(path, { recursive: true, force: true });
}

/**
 * Removes every folder on the list (absolute paths only; ones already gone are skipped), then the
 * list itself. Answers how many paths were on it.
 */
export function removeListed(removeList: string): number {
  let text: string;
  try {
    text = readFileSync(removeList, 'utf8');
  } catch {
    return 0;
  }
  const paths = [...new Set(text.split('\n').filter((p) => p !== '' && isAbsolute(p)))];
  for (const p of paths) rmSync(p, { recursive: true, force: true });
  rmSync(removeList, { force: true });
  return paths.length;
}
