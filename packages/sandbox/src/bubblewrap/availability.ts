import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SandboxAvailability } from '../sandbox.ts';
import { LAUNCHER_ENV } from './launcher.ts';

const INSTALL = 'apt-get install -y bubblewrap socat';

function run(argv: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] ?? 'false', argv.slice(1), { env: LAUNCHER_ENV, cwd: '/', stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Checks that a real, minimal sandbox starts: bwrap is installed, the host tools the backend
 * drives are there, we are root (cgroups, nsenter, staging mounts) and the kernel lets the
 * unprivileged sandbox uid create user namespaces.
 */
export async function checkBubblewrap(
  bwrapPath: string,
  uid: number,
  gid: number,
): Promise<SandboxAvailability> {
  if (process.platform !== 'linux')
    return { ok: false, reason: 'bubblewrap needs Linux', remedy: 'use another backend' };
  if (!existsSync(bwrapPath)) {
    return { ok: false, reason: `bubblewrap is not installed (${bwrapPath} missing)`, remedy: INSTALL };
  }
  for (const tool of ['/usr/bin/setpriv', '/usr/bin/nsenter', '/usr/bin/unshare']) {
    if (!existsSync(tool))
      return { ok: false, reason: `${tool} is missing`, remedy: 'apt-get install -y util-linux' };
  }
  if (process.getuid?.() !== 0) {
    return {
      ok: false,
      reason: 'the bubblewrap backend must run as root (cgroups, nsenter, staging mounts)',
      remedy: 'run the server as root in its VM or container',
    };
  }
  const probe = await run([
    'setpriv',
    '--reuid',
    String(uid),
    '--regid',
    String(gid),
    '--clear-groups',
    '--',
    bwrapPath,
    '--unshare-all',
    '--uid',
    String(uid),
    '--gid',
    String(gid),
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/bin',
    '/bin',
    '--',
    '/usr/bin/true',
  ]);
  if (probe.code !== 0) {
    return {
      ok: false,
      reason: `bubblewrap cannot create a sandbox: ${probe.output.trim()}`,
      remedy:
        'allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1)',
    };
  }
  return { ok: true };
}
