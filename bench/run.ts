/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process (DBOS and sandboxes are
 * process-wide), and prints each figure next to its baseline from the same run.
 * `npm run bench -- task-creation` runs only the benchmarks whose file name contains the word.
 *
 * Every bench's temporary folders go into one run folder (its TMPDIR), and nothing is removed until
 * the last bench has ended (bench-folders.ts: on these machines a removal slows the files made in
 * the next five minutes, so each bench would measure the one before it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REMOVE_LIST_ENV, removeListed } from './bench-folders.ts';
import { type BenchResult, printTable } from './bench-result.ts';
import { benchChildEnv } from './config/bench-config.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
const runDir = mkdtempSync(join(tmpdir(), 'abca-bench-run-'));
const removeList = join(runDir, 'remove-at-end.txt');
/** Removes the run's folders: once, after the last bench or on Ctrl-C. */
const cleanUp = () => {
  const n = removeListed(removeList);
  rmSync(runDir, { recursive: true, force: true });
  if (n > 0)
    console.log(
      `\nRemoved the run's ${n} folders. On a disk whose ext4 has no journal, files made in the next five minutes cost more: wait that long before measuring again (docs/benchmarks.md).`,
    );
};
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});
let failed = 0;
for (const file of files) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file), '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
    env: benchChildEnv({ TMPDIR: runDir, [REMOVE_LIST_ENV]: removeList }),
  });
  const line = res.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('['));
  if (res.status !== 0 || !line) {
    failed += 1;
    console.log(`\n${file}: FAILED (exit ${res.status})\n${res.stdout}`);
    continue;
  }
  printTable(file.replace('.bench.ts', ''), JSON.parse(line) as BenchResult[]);
}
cleanUp();
process.exit(failed ? 1 : 0);
