import { existsSync } from 'node:fs';
import { type Check, type CheckResult, firstLine, probe, sandboxSeverity } from './check.ts';

/** Starts a real, minimal sandbox (every namespace unshared, /usr read-only) and runs `true` in it. */
export const checkSandboxSmoke: Check = async ({ env }) => sandboxSeverity(await run(), env);

async function run(): Promise<CheckResult> {
  const args = ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr'];
  for (const [link, target] of [
    ['/lib', 'usr/lib'],
    ['/lib64', 'usr/lib64'],
    ['/bin', 'usr/bin'],
  ] as const) {
    if (existsSync(link)) args.push('--symlink', target, link);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--', '/usr/bin/true');
  const res = await probe('bwrap', args, { timeoutMs: 15_000 });
  if (res.missing) {
    return {
      name: 'sandbox: smoke run',
      status: 'fail',
      detail: 'skipped: bwrap is not installed',
      fix: 'apt-get install -y bubblewrap',
    };
  }
  if (res.code === 0)
    return { name: 'sandbox: smoke run', status: 'ok', detail: 'bwrap started a sandbox and ran `true`' };
  return {
    name: 'sandbox: smoke run',
    status: 'fail',
    detail: `bwrap could not start a sandbox: ${firstLine(res.output) || `exit ${res.code}`}`,
    fix: 'allow user namespaces (sysctl -w kernel.unprivileged_userns_clone=1 and user.max_user_namespaces=15000); in a container, run it with --privileged or a seccomp/AppArmor profile that allows unshare',
  };
}
