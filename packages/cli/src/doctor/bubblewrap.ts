import { type Check, type CheckResult, firstLine, probe, sandboxSeverity } from './check.ts';

export const checkBubblewrap: Check = async ({ env }) => sandboxSeverity(await run(), env);

async function run(): Promise<CheckResult> {
  const res = await probe('bwrap', ['--version']);
  if (res.code === 0) return { name: 'sandbox: bubblewrap', status: 'ok', detail: firstLine(res.output) };
  return {
    name: 'sandbox: bubblewrap',
    status: 'fail',
    detail: res.missing ? 'bwrap is not installed' : `bwrap --version failed: ${firstLine(res.output)}`,
    fix: 'apt-get install -y bubblewrap',
  };
}
