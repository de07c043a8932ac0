/**
 * A stand-in for the platform in host-processes.test.ts: starts a long host helper (a bash with a
 * background sleep, both marked by the sleep's duration) and waits to be killed.
 */
import { createHostProcesses } from '../../src/ops/host-processes.ts';

const mark = process.argv[2] ?? '0';
void createHostProcesses().run(['sh', '-c', `sleep ${mark} & sleep ${mark}; wait`], {
  env: { PATH: '/usr/bin:/bin' },
  timeoutMs: 600_000,
  maxStdoutBytes: 1024,
});
setInterval(() => {}, 60_000);
