import { spawn } from 'node:child_process';

export interface ProcessTime {
  /** User + system CPU time of the process and its children, in ms. */
  cpuMs: number;
  wallMs: number;
  code: number | null;
}

/**
 * Runs a command to completion and measures its CPU time: a `sh` runs it and then prints its own
 * `/proc/<pid>/stat`, whose cutime and cstime hold the waited-for child's user and system time.
 */
export function processTime(
  argv: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string } = {},
): Promise<ProcessTime> {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const started = performance.now();
  const child = spawn('sh', ['-c', `${quoted} >/dev/null 2>&1; code=$?; cat /proc/$$/stat; exit $code`], {
    env,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      // Fields after the command name (which may hold spaces): state is field 3, cutime 16, cstime 17.
      const fields = out
        .slice(out.lastIndexOf(')') + 2)
        .trim()
        .split(/\s+/);
      const ticks = Number(fields[13]) + Number(fields[14]);
      if (!Number.isFinite(ticks)) return reject(new Error(`cannot read the process time from: ${out}`));
      // Linux reports these in USER_HZ, 100 per second on every common configuration.
      resolve({ cpuMs: ticks * 10, wallMs, code });
    });
  });
}
