/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process (DBOS and sandboxes are
 * process-wide), and prints each figure next to its baseline from the same run.
 * `npm run bench -- task-creation` runs only the benchmarks whose file name contains the word.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, printTable } from './bench-result.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const file of files) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file), '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
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
process.exit(failed ? 1 : 0);
