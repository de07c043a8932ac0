import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFileBounds } from './contract-file-bounds.ts';
import type { Sandbox, SandboxBackend, SandboxEvent, SandboxSpec } from './sandbox.ts';

/** Options of {@link runSandboxContract}. */
export interface SandboxContractOptions {
  /** Folder for temporary workspaces. Default: the OS temp folder. */
  tempDir?: string;
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Host pids whose command line contains `needle` (every process the host can see, sandboxed or not). */
export function hostPidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

/**
 * Leaves a writer behind in a bubblewrap sandbox the way hostile code could: a command has the
 * sandbox's long-lived `sleep` (same user, so ptrace-able) start a shell, with gdb, which is in no
 * command's cgroup and outlives the command. The shell stops itself at once; `release` (a signal
 * from the host, no sandbox command) lets it append `line` to `file` (a path in the sandbox) and stop
 * again.
 * Needs /usr/bin/gdb on the host.
 */
export async function leaveLateWriter(
  sandbox: Sandbox,
  file: string,
  line: string,
): Promise<{ release(): void }> {
  const token = `abca-late-${randomBytes(6).toString('hex')}`;
  // Stopped again after writing: still there, as it was (only the kernel's counts of it moved).
  const script = `kill -STOP $$; echo '${line}' >> '${file}'; kill -STOP $$`;
  const res = await sandbox.exec(
    `printf '%s\n' "$SCRIPT" > /tmp/${token}.sh
pid=$(for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = sleep ] && basename $p; done | head -1)
gdb -q -batch -p "$pid" -ex 'call (int)system("sh /tmp/${token}.sh ${token} &")' -ex detach 2>&1 | tail -3`,
    { env: { SCRIPT: script }, timeoutMs: 60_000 },
  );
  if (res.exitCode !== 0 || !res.stdout.includes('detached'))
    throw new Error(`could not leave a writer behind: ${res.stdout}${res.stderr}`);
  let pid: number | undefined;
  await waitFor(
    () => {
      pid = hostPidsMatching(token).find((p) => {
        try {
          return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ').pop()?.[0] === 'T';
        } catch {
          return false;
        }
      });
      return pid !== undefined;
    },
    30_000,
    'the writer left behind to stop itself',
  );
  return { release: () => process.kill(pid as number, 'SIGCONT') };
}

/** A `sleep` duration unique to this run, so its processes can be found in /proc. */
export function uniqueSleep(): string {
  return `${1000 + Math.floor(Math.random() * 8000)}.${randomBytes(3).readUIntBE(0, 3)}`;
}

/**
 * The behaviour every {@link SandboxBackend} must have. Call it at the top level of a Vitest file:
 * `runSandboxContract('bubblewrap', () => createBubblewrapBackend())`. The suite fails (it does not
 * skip) when the backend says it is unavailable on this machine.
 */
export function runSandboxContract(
  name: string,
  makeBackend: () => SandboxBackend | Promise<SandboxBackend>,
  options: SandboxContractOptions = {},
): void {
  describe(`sandbox contract: ${name}`, () => {
    let backend: SandboxBackend;
    let root: string;
    let sandbox: Sandbox;
    let workspace: string;
    const events: SandboxEvent[] = [];
    const secret = `probe-${randomBytes(8).toString('hex')}`;
    let workspaceCount = 0;

    const newWorkspace = () => mkdtempSync(join(root, `ws-${workspaceCount++}-`));
    const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
      taskId: `contract-${workspaceCount}`,
      workspaceDir: newWorkspace(),
      env: { ABCA_SPEC_VAR: 'from-spec' },
      limits: { memoryBytes: 512 * 1024 * 1024, maxProcesses: 128, diskBytes: 200 * 1024 * 1024 },
      onEvent: (event) => events.push(event),
      ...overrides,
    });

    beforeAll(async () => {
      process.env.ABCA_SECRET_PROBE = secret;
      backend = await makeBackend();
      const availability = await backend.available();
      if (!availability.ok) {
        throw new Error(`${name} backend unavailable: ${availability.reason}; fix: ${availability.remedy}`);
      }
      root = mkdtempSync(join(options.tempDir ?? tmpdir(), 'abca-contract-'));
      const first = spec();
      workspace = first.workspaceDir;
      sandbox = await backend.create(first);
    });

    afterAll(async () => {
      await sandbox?.stop();
      delete process.env.ABCA_SECRET_PROBE;
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('returns the exit code and streams output through onOutput', async () => {
      const chunks: Array<{ stream: string; data: string }> = [];
      const result = await sandbox.exec('echo out; echo err >&2; exit 3', {
        onOutput: (c) => chunks.push(c),
      });
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toBe('out\n');
      expect(result.stderr).toBe('err\n');
      expect(result.truncated).toBe(false);
      expect(result.killed).toBeUndefined();
      expect(
        chunks
          .filter((c) => c.stream === 'stdout')
          .map((c) => c.data)
          .join(''),
      ).toBe('out\n');
      expect(
        chunks
          .filter((c) => c.stream === 'stderr')
          .map((c) => c.data)
          .join(''),
      ).toBe('err\n');
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('streams output past the cap through onOutput, keeping only the cap in the result', async () => {
      let streamed = 0;
      let last = '';
      const result = await sandbox.exec("head -c 50000 /dev/zero | tr '\\0' a; echo; echo END-OF-OUTPUT", {
        maxOutputBytes: 20_000,
        onOutput: (c) => {
          streamed += c.data.length;
          last = (last + c.data).slice(-100);
        },
      });
      expect(result.truncated).toBe(true);
      expect(result.stdout.length).toBeLessThanOrEqual(20_000);
      expect(streamed).toBeGreaterThanOrEqual(50_000);
      expect(last).toContain('END-OF-OUTPUT');
    });

    it('feeds stdin', async () => {
      const result = await sandbox.exec('tr a-z A-Z', { stdin: 'hello sandbox' });
      expect(result.stdout).toBe('HELLO SANDBOX');
      const empty = await sandbox.exec('cat; echo done');
      expect(empty.stdout).toBe('done\n');
    });

    it('runs in the workspace, or in cwd (relative or absolute)', async () => {
      await sandbox.writeFile('sub/dir/.keep', '');
      expect((await sandbox.exec('pwd')).stdout.trim()).toBe(sandbox.workspacePath);
      expect((await sandbox.exec('pwd', { cwd: 'sub/dir' })).stdout.trim()).toBe(
        `${sandbox.workspacePath}/sub/dir`,
      );
      const absolute = await sandbox.exec('pwd', { cwd: `${sandbox.workspacePath}/sub` });
      expect(absolute.stdout.trim()).toBe(`${sandbox.workspacePath}/sub`);
    });

    it('builds the environment from scratch: no host variable leaks in', async () => {
      expect(process.env.ABCA_SECRET_PROBE).toBe(secret);
      const result = await sandbox.exec('env; cat /proc/self/environ', {
        env: { ABCA_EXEC_VAR: 'from-exec' },
      });
      expect(result.stdout).not.toContain(secret);
      expect(result.stdout).not.toContain('ABCA_SECRET_PROBE');
      expect(result.stdout).toContain('ABCA_SPEC_VAR=from-spec');
      expect(result.stdout).toContain('ABCA_EXEC_VAR=from-exec');
      expect(result.stdout).toMatch(/^PATH=/m);
      expect(result.stdout).toMatch(/^HOME=/m);
      expect(result.stdout).toMatch(/^LANG=/m);
      const next = await sandbox.exec('env');
      expect(next.stdout).not.toContain('ABCA_EXEC_VAR');
    });

    it('kills the whole process tree on timeout, background children included', async () => {
      const sleep = uniqueSleep();
      const started = performance.now();
      const result = await sandbox.exec(`sleep ${sleep} & echo started; sleep ${sleep}`, { timeoutMs: 400 });
      expect(result.killed).toBe('timeout');
      expect(result.stdout).toBe('started\n');
      expect(performance.now() - started).toBeLessThan(5000);
      await waitFor(() => hostPidsMatching(`sleep ${sleep}`).length === 0, 5000, 'the sleeps to be gone');
    });

    it('truncates output over the cap', async () => {
      const result = await sandbox.exec('head -c 100000 /dev/zero | tr "\\0" a', { maxOutputBytes: 1000 });
      expect(result.truncated).toBe(true);
      expect(result.stdout.length).toBe(1000);
      expect(result.exitCode === 0 || result.killed === 'output_limit').toBe(true);
    });

    it('kills an endless printer far beyond the cap', async () => {
      const result = await sandbox.exec('yes', { maxOutputBytes: 10_000, timeoutMs: 20_000 });
      expect(result.killed).toBe('output_limit');
      expect(result.truncated).toBe(true);
      expect(result.stdout.length).toBeLessThanOrEqual(10_000);
    });

    it('cancels at once on AbortSignal', async () => {
      const controller = new AbortController();
      const sleep = uniqueSleep();
      let abortedAt = 0;
      const result = await sandbox.exec(`echo ready; sleep ${sleep}`, {
        signal: controller.signal,
        onOutput: (chunk) => {
          if (chunk.data.includes('ready')) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      });
      expect(result.killed).toBe('cancelled');
      expect(performance.now() - abortedAt).toBeLessThan(1500);
      await waitFor(() => hostPidsMatching(`sleep ${sleep}`).length === 0, 5000, 'the sleep to be gone');
      const pre = await sandbox.exec(`sleep ${sleep}`, { signal: AbortSignal.abort() });
      expect(pre.killed).toBe('cancelled');
    });

    it('reads and writes files, relative and absolute, creating folders', async () => {
      await sandbox.writeFile('files/a/b.txt', 'relative');
      expect((await sandbox.readFile('files/a/b.txt')).toString()).toBe('relative');
      expect((await sandbox.readFile(`${sandbox.workspacePath}/files/a/b.txt`)).toString()).toBe('relative');
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await sandbox.writeFile(`${sandbox.workspacePath}/files/bin.dat`, bytes);
      expect(Buffer.compare(await sandbox.readFile('files/bin.dat'), Buffer.from(bytes))).toBe(0);
      await sandbox.writeFile('files/a/b.txt', 'overwritten');
      expect((await sandbox.exec('cat files/a/b.txt')).stdout).toBe('overwritten');
      await expect(sandbox.readFile('files/missing.txt')).rejects.toMatchObject({ code: 'not_found' });
    });

    describeFileBounds(() => ({ sandbox, workspace }));

    it("reads at most the spec's maxReadBytes by default", async () => {
      const own = await backend.create(spec({ limits: { maxReadBytes: 50 } }));
      try {
        await own.writeFile('fifty.txt', 'x'.repeat(50));
        await own.writeFile('fifty-one.txt', 'x'.repeat(51));
        expect((await own.readFile('fifty.txt')).length).toBe(50);
        await expect(own.readFile('fifty-one.txt')).rejects.toMatchObject({
          code: 'too_large',
          size: 51,
          limit: 50,
        });
        expect((await own.readFile('fifty-one.txt', { maxBytes: 51 })).length).toBe(51);
      } finally {
        await own.stop();
      }
    });

    it('shares the workspace with the host both ways', async () => {
      writeFileSync(join(workspace, 'from-host.txt'), 'host wrote this');
      expect((await sandbox.exec('cat from-host.txt')).stdout).toBe('host wrote this');
      const result = await sandbox.exec('echo sandbox wrote this > from-sandbox.txt');
      expect(result.exitCode).toBe(0);
      expect(readFileSync(join(workspace, 'from-sandbox.txt'), 'utf8')).toBe('sandbox wrote this\n');
    });

    it('runs execs concurrently', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          sandbox.exec(`echo start-${i}; read line; echo "$line-${i}"`, { stdin: 'got' }),
        ),
      );
      results.forEach((result, index) => {
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toBe(`start-${index + 1}\ngot-${index + 1}\n`);
      });
    });

    it('stop() is idempotent, kills running commands, leaves no process, and later calls reject', async () => {
      const own = await backend.create(spec());
      const sleep = uniqueSleep();
      const pending = own.exec(`sleep ${sleep} & sleep ${sleep}`);
      await waitFor(() => hostPidsMatching(`sleep ${sleep}`).length >= 2, 5000, 'the sleeps to start');
      await Promise.all([own.stop(), own.stop()]);
      await own.stop();
      const result = await pending;
      expect(result.killed).toBe('cancelled');
      await waitFor(() => hostPidsMatching(`sleep ${sleep}`).length === 0, 5000, 'the sleeps to be gone');
      await expect(own.exec('echo hi')).rejects.toThrow();
      await expect(own.readFile('x')).rejects.toThrow();
      await expect(own.writeFile('x', 'y')).rejects.toThrow();
    });
  });
}
