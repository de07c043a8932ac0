import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Spawner } from '../spawner/spawner.ts';
import { LAUNCHER_ENV } from './launcher.ts';
import { SANDBOX_PROXY_PORT } from './profile.ts';

/** Reads `child-pid` from bwrap's JSON status stream, or fails when bwrap exits first. */
export function waitForChildPid(
  child: ChildProcess,
  statusFd: number,
  stderr: () => string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const status = child.stdio[statusFd];
    const timer = setTimeout(
      () => reject(new Error(`bubblewrap did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    status?.on('data', (data: Buffer) => {
      text += data.toString();
      const match = /"child-pid":\s*(\d+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bubblewrap exited at start (${signal ?? code}): ${stderr().trim()}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * bwrap reports `child-pid` before that child has built the sandbox; the sandbox is ready once its
 * init has started the main command (whose command line then shows `needle`).
 */
export async function waitForMainCommand(pid: number, needle: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter(Boolean)) {
      const cmdline = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.startsWith(needle)) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}

/** Waits until the in-sandbox proxy forwarder listens on 127.0.0.1:3128 (seen from the host's /proc). */
export async function waitForForwarder(pid: number, timeoutMs: number): Promise<boolean> {
  const needle = `0100007F:${SANDBOX_PROXY_PORT.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const table = await readFile(`/proc/${pid}/net/tcp`, 'utf8').catch(() => '');
    if (table.split('\n').some((line) => line.includes(needle) && / 0A /.test(line))) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

/** `chown -R -h`: the sandbox user must own the checkout it edits (and git checks the owner). */
export function chownTree(spawner: Spawner, dir: string, uid: number, gid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // -h: change symlinks themselves, never their targets.
    const child = spawner.spawn('chown', ['-R', '-h', `${uid}:${gid}`, '--', dir], {
      env: LAUNCHER_ENV,
      // Out of the server's process group: a Ctrl-C at its terminal does not fail a sandbox's start.
      detached: true,
    });
    child.stdin.on('error', () => {});
    child.stdin.end();
    child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`chown of ${dir} failed: ${stderr.trim()}`)),
    );
  });
}
