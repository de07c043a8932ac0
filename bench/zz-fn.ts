import pg from 'pg';
import { startBenchPlatform } from './bench-database.ts';
import { cpuDelta, postmasterPid, sampleCpu } from './proc-cpu.ts';
import { throughput } from './bench-result.ts';
import { createTasks, newTask } from '../packages/server/src/store/task-creations.ts';
const bench = await startBenchPlatform({}, { apiOnly: true });
const db = new pg.Pool({ connectionString: bench.databaseUrl, max: 8 });
const user = (await db.query("SELECT user_id FROM users LIMIT 1")).rows[0].user_id;
const pgPid = postmasterPid(bench.pgDataDir);
const mk = () => newTask({ body: { repo: 'acme/app', task_description: 'Fix the bug' }, userId: user, defaultMaxTurns: 10 });
const caps = { global: 100000, perUser: 100000, perRepo: 100000 };
async function measure(label: string, group: number, admission: boolean, groups = 300) {
  await throughput(20, 2, () => createTasks(db, Array.from({ length: group }, mk), admission ? { caps } : undefined));
  const b = sampleCpu(pgPid);
  const rate = await throughput(groups, 2, () => createTasks(db, Array.from({ length: group }, mk), admission ? { caps } : undefined));
  const d = cpuDelta(b, sampleCpu(pgPid));
  const active = (await db.query("SELECT count(*)::int n FROM tasks WHERE admitted_at IS NOT NULL")).rows[0].n;
  console.log(`${label} group ${group}: ${(rate * group).toFixed(0)} tasks/s, postgres ${(d.postgres * 1e6 / (groups * group)).toFixed(0)} us/task, node ${(d.node * 1e6 / (groups * group)).toFixed(0)} us/task (active now ${active})`);
}
await measure('no admission', 1, false);
await measure('no admission', 4, false);
await measure('admission', 1, true);
await measure('admission', 4, true);
await measure('admission', 4, true);
await db.query("UPDATE tasks SET status = 'COMPLETED'");
await measure('admission, none active', 4, true, 100);
await db.end(); await bench.close(); process.exit(0);
