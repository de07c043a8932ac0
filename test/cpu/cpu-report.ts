import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startPgSampler } from './pg-sampler.ts';
import { procCpu } from './proc-cpu.ts';

interface FileRow {
  file: string;
  pid: number;
  startedAt: number;
  endedAt: number;
  selfMs: number;
  childrenMs: number;
}

export interface CpuRecording {
  /** Writes `report.txt` and `report.json` into the folder and returns the text. */
  finish(): string;
}

/**
 * The run-wide half of `ABCA_TEST_CPU=<folder>` (the per-file half is test/cpu/file-recorder.ts):
 * samples the run's PostgreSQL and, at the end, puts per file its wall time, its worker's CPU, its
 * children's CPU and its databases' PostgreSQL CPU in one table, most expensive first.
 */
export function startCpuRecording(dir: string, pgDataDir: string, root: string): CpuRecording {
  mkdirSync(dir, { recursive: true });
  const postmasterPid = Number(readFileSync(join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const sampler = startPgSampler(postmasterPid);
  const main0 = procCpu()?.selfMs ?? 0;
  const t0 = Date.now();
  return {
    finish() {
      const pg = sampler.stop();
      const mainMs = (procCpu()?.selfMs ?? 0) - main0;
      const files = readJsonl<FileRow>(join(dir, 'files.jsonl'));
      const dbs = readJsonl<{ database: string; file: string }>(join(dir, 'databases.jsonl'));
      const pgOf = new Map<string, number>();
      for (const { database, file } of dbs)
        pgOf.set(file, (pgOf.get(file) ?? 0) + (pg.byDatabase.get(database) ?? 0));
      const rows = files
        .map((f) => {
          const pgMs = pgOf.get(f.file) ?? 0;
          return {
            file: relative(root, f.file),
            wallS: (f.endedAt - f.startedAt) / 1000,
            workerS: f.selfMs / 1000,
            childrenS: f.childrenMs / 1000,
            pgS: pgMs / 1000,
            totalS: (f.selfMs + f.childrenMs + pgMs) / 1000,
          };
        })
        .sort((a, b) => b.totalS - a.totalS);
      const sum = (k: 'wallS' | 'workerS' | 'childrenS' | 'pgS' | 'totalS') =>
        rows.reduce((s, r) => s + r[k], 0);
      const fileDbs = new Set(dbs.map((d) => d.database));
      let otherPg = 0;
      for (const [db, ms] of pg.byDatabase) if (!fileDbs.has(db)) otherPg += ms;
      const lines = [
        `wall ${((Date.now() - t0) / 1000).toFixed(1)} s; files ${rows.length}`,
        `CPU s: files' workers ${sum('workerS').toFixed(1)}, their children ${sum('childrenS').toFixed(1)}, ` +
          `their databases ${sum('pgS').toFixed(1)}; PostgreSQL in all ${(pg.totalMs / 1000).toFixed(1)} ` +
          `(other databases and the server's own processes ${(otherPg / 1000).toFixed(1)}); vitest's main process ${(mainMs / 1000).toFixed(1)}`,
        '',
        'total_s  worker_s  children_s  pg_s   wall_s  file',
        ...rows.map(
          (r) =>
            `${r.totalS.toFixed(1).padStart(7)}  ${r.workerS.toFixed(1).padStart(8)}  ${r.childrenS.toFixed(1).padStart(10)}  ` +
            `${r.pgS.toFixed(1).padStart(5)}  ${r.wallS.toFixed(1).padStart(6)}  ${r.file}`,
        ),
      ];
      const text = lines.join('\n');
      writeFileSync(join(dir, 'report.txt'), `${text}\n`);
      writeFileSync(
        join(dir, 'report.json'),
        JSON.stringify(
          { pgTotalS: pg.totalMs / 1000, otherPgS: otherPg / 1000, mainS: mainMs / 1000, rows },
          null,
          2,
        ),
      );
      return text;
    },
  };
}

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}
