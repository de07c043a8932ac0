import { startBenchPlatform } from './bench-database.ts';
import { throughput } from './bench-result.ts';
import { Session } from 'node:inspector/promises';
import { writeFileSync, readdirSync, readFileSync } from 'node:fs';
const bench = await startBenchPlatform(
  { ABCA_MAX_TASKS_PER_USER: '100000', ABCA_MAX_TASKS_PER_REPO: '100000', ABCA_MAX_TASKS: '100000' },
  { apiOnly: true },
);
const body = JSON.stringify({ repo: 'acme/app', task_description: 'Fix the bug' });
const url = `${bench.platform.url}/v1/tasks`;
const one = async () => { const res = await fetch(url, { method: 'POST', headers: bench.headers, body }); if (res.status !== 201) throw new Error(await res.text()); await res.text(); };
await throughput(50, 8, one);
const pgCpu = () => { let t = 0; for (const p of readdirSync('/proc')) { if (!/^\d+$/.test(p)) continue; try { const s = readFileSync(`/proc/${p}/stat`, 'utf8'); if (!s.includes('(postgres)')) continue; const f = s.slice(s.lastIndexOf(')') + 2).split(' '); t += Number(f[11]) + Number(f[12]); } catch {} } return t / 100; };
const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.start');
const c0 = process.cpuUsage(); const p0 = pgCpu(); const t0 = performance.now();
const rate = await throughput(400, 8, one);
const c1 = process.cpuUsage(c0); const p1 = pgCpu();
const { profile } = await s.post('Profiler.stop');
writeFileSync('/tmp/creation/create.cpuprofile', JSON.stringify(profile));
console.log('rate', rate.toFixed(0), 'node cpu ms/task', ((c1.user + c1.system) / 1000 / 400).toFixed(2), 'pg cpu ms/task (all pg procs)', ((p1 - p0) * 1000 / 400).toFixed(2), 'wall', (performance.now()-t0).toFixed(0));
await bench.close();
process.exit(0);
