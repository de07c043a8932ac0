import { type Check, type CheckResult, firstLine, probe, sandboxSeverity } from './check.ts';

/** The sandbox reaches the host egress proxy through socat. */
export const checkSocat: Check = async ({ env }) => sandboxSeverity(await run(), env);

async function run(): Promise<CheckResult> {
  const res = await probe('socat', ['-V']);
  if (res.code === 0) {
    const version = res.output.split('\n').find((l) => /socat version/i.test(l)) ?? firstLine(res.output);
    return { name: 'sandbox: socat', status: 'ok', detail: version.trim() };
  }
  return {
    name: 'sandbox: socat',
    status: 'fail',
    detail: res.missing ? 'socat is not installed' : `socat -V failed: ${firstLine(res.output)}`,
    fix: 'apt-get install -y socat',
  };
}
