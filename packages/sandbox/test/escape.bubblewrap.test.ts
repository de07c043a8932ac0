import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPidsMatching, uniqueSleep, waitFor } from '../src/contract.ts';
import { createBubblewrapBackend, type Sandbox, type SandboxEvent, sandboxCgroupName } from '../src/index.ts';

const MiB = 1024 * 1024;
const backend = createBubblewrapBackend();
/** An operator who lets sandboxes reach the host's loopback services (only ever in tests). */
const loopbackBackend = createBubblewrapBackend({ egress: { allowPrivateRanges: ['127.0.0.0/8'] } });

/** Host pids whose cgroup path names the sandbox. */
function pidsInSandboxCgroups(sandboxId: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(sandboxCgroupName(sandboxId)))
        pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

describe('bubblewrap escape attempts and containment', () => {
  const tokens = {
    GITHUB_TOKEN: `ghp_fake${randomBytes(12).toString('hex')}`,
    ANTHROPIC_API_KEY: `sk-ant-fake-${randomBytes(12).toString('hex')}`,
    OPENAI_API_KEY: `sk-fake-${randomBytes(12).toString('hex')}`,
  };
  const tokenValues = Object.values(tokens);
  const events: SandboxEvent[] = [];
  const netEvents: SandboxEvent[] = [];
  const operatorEvents: SandboxEvent[] = [];
  let root: string;
  let rootSecretFile: string;
  let stateSecretFile: string;
  let server: http.Server;
  let port: number;
  let hostSleep: ChildProcess;
  let hostSleepArg: string;
  let sandbox: Sandbox;
  let netSandbox: Sandbox;
  let operatorSandbox: Sandbox;
  let neighbour: Sandbox;

  beforeAll(async () => {
    const availability = await backend.available();
    if (!availability.ok) {
      throw new Error(`bubblewrap unavailable: ${availability.reason}. Fix: ${availability.remedy}`);
    }
    Object.assign(process.env, tokens);
    root = mkdtempSync(join(tmpdir(), 'abca-escape-'));
    rootSecretFile = `/root/abca-escape-${randomBytes(4).toString('hex')}.txt`;
    writeFileSync(rootSecretFile, tokenValues.join('\n'));
    const stateDir = join(root, 'fake-home', '.abca');
    mkdirSync(stateDir, { recursive: true });
    stateSecretFile = join(stateDir, 'credentials.json');
    writeFileSync(stateSecretFile, JSON.stringify(tokens));

    server = http.createServer((_req, res) => res.end('host-only-page'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    hostSleepArg = uniqueSleep();
    hostSleep = spawn('sleep', [hostSleepArg], { stdio: 'ignore' });

    const workspace = (name: string) => {
      const dir = join(root, name);
      mkdirSync(dir);
      return dir;
    };
    const limits = {
      memoryBytes: 256 * MiB,
      maxProcesses: 64,
      diskBytes: 50 * MiB,
      maxFiles: 5_000,
      cpus: 0.5,
      maxOutputBytes: 64 * 1024,
    };
    [sandbox, netSandbox, operatorSandbox, neighbour] = await Promise.all([
      backend.create({
        taskId: 'escape',
        workspaceDir: workspace('a'),
        limits,
        onEvent: (e) => events.push(e),
      }),
      backend.create({
        taskId: 'escape-net',
        workspaceDir: workspace('b'),
        allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`, '*.allowed.test'],
        limits,
        onEvent: (e) => netEvents.push(e),
      }),
      loopbackBackend.create({
        taskId: 'escape-operator',
        workspaceDir: workspace('d'),
        allowedHosts: [`localhost:${port}`],
        limits,
        onEvent: (e) => operatorEvents.push(e),
      }),
      backend.create({ taskId: 'neighbour', workspaceDir: workspace('c'), limits }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([sandbox?.stop(), netSandbox?.stop(), operatorSandbox?.stop(), neighbour?.stop()]);
    hostSleep?.kill('SIGKILL');
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const name of Object.keys(tokens)) delete process.env[name];
    if (rootSecretFile) rmSync(rootSecretFile, { force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs unprivileged: uid 1000, no capabilities, no_new_privs, read-only toolchain', async () => {
    const result = await sandbox.exec(
      'id -u; grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status; touch /usr/x',
    );
    expect(result.stdout).toMatch(/^1000\n/);
    expect(result.stdout).toContain('CapEff:\t0000000000000000');
    expect(result.stdout).toContain('CapPrm:\t0000000000000000');
    expect(result.stdout).toContain('NoNewPrivs:\t1');
    expect(result.stderr).toContain('Read-only file system');
  });

  it('cannot read host files outside the workspace', async () => {
    const attempts = [rootSecretFile, stateSecretFile, '/etc/shadow', `${root}/a`].map(
      (path) => `cat ${path} && echo "READ ${path}"`,
    );
    const result = await sandbox.exec(
      [...attempts, 'ls -a /root && echo LISTED', 'cat /proc/1/cmdline'].join('; '),
    );
    for (const token of tokenValues) expect(result.stdout).not.toContain(token);
    expect(result.stdout).not.toMatch(/READ|LISTED/);
    expect(result.stdout).not.toContain(root);
    await expect(sandbox.readFile(rootSecretFile)).rejects.toThrow();
    await expect(sandbox.readFile(stateSecretFile)).rejects.toThrow();
  });

  it('cannot see host processes', async () => {
    expect(hostPidsMatching(`sleep ${hostSleepArg}`)).toContain(hostSleep.pid);
    const result = await sandbox.exec(`ps -eo pid,args; cat /proc/${hostSleep.pid}/cmdline; ls /proc`);
    expect(result.stdout).not.toContain(hostSleepArg);
    expect(result.stdout).not.toMatch(/node|vitest/);
  });

  it("cannot reach a port on the host's 127.0.0.1", async () => {
    const curl = await sandbox.exec(`curl -sS -m 3 http://127.0.0.1:${port}/`);
    expect(curl.exitCode).not.toBe(0);
    expect(curl.stdout).not.toContain('host-only-page');
    const script = `require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(1)})`;
    const node = await sandbox.exec(`node -e "${script}"`);
    expect(node.stdout.trim()).toBe('ECONNREFUSED');
    const netOnly = await sandbox.exec('ls /sys/class/net 2>/dev/null || cat /proc/net/dev');
    expect(netOnly.stdout).not.toMatch(/eth|ens|enp/);
  });

  it('has no network at all by default', async () => {
    const result = await sandbox.exec('curl -sS -m 3 http://example.com/; getent hosts example.com');
    expect(result.exitCode).not.toBe(0);
    expect(events.some((e) => e.type === 'egress_blocked')).toBe(false);
  });

  it('reaches no host service through the proxy, even allowlisted by name or IP, nor anything else', async () => {
    const curl = (args: string) => netSandbox.exec(`curl -sS -m 5 -o /dev/null -w '%{http_code}' ${args}`);
    const byName = await netSandbox.exec(`curl -sS -m 5 --noproxy '' http://localhost:${port}/`);
    expect(byName.stdout).toContain('localhost resolves to a loopback address');
    expect(byName.stdout).not.toContain('host-only-page');
    const tunnel = await netSandbox.exec(
      `curl -sS -m 5 --noproxy '' --proxytunnel http://localhost:${port}/`,
    );
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.stdout).not.toContain('host-only-page');
    expect((await curl(`--noproxy '' http://127.0.0.1:${port}/`)).stdout).toBe('403');
    expect((await curl('http://blocked.example.com/')).stdout).toBe('403');
    expect((await netSandbox.exec('curl -sS -m 5 https://api.blocked.example.com/')).exitCode).not.toBe(0);
    expect((await curl('http://allowed.test/')).stdout).toBe('403');
    expect((await curl('http://x.allowed.test:8080/')).stdout).toBe('403');
    expect(netEvents).toEqual(
      expect.arrayContaining([
        { type: 'egress_blocked', host: 'localhost', port, reason: 'private_address', address: '127.0.0.1' },
        { type: 'egress_blocked', host: '127.0.0.1', port, reason: 'private_address', address: '127.0.0.1' },
        { type: 'egress_blocked', host: 'blocked.example.com', port: 80, reason: 'not_allowlisted' },
        { type: 'egress_blocked', host: 'api.blocked.example.com', port: 443, reason: 'not_allowlisted' },
        { type: 'egress_blocked', host: 'allowed.test', port: 80, reason: 'not_allowlisted' },
        { type: 'egress_blocked', host: 'x.allowed.test', port: 8080, reason: 'port_not_allowed' },
      ]),
    );
    expect(netEvents.some((e) => e.type === 'egress_allowed')).toBe(false);

    const direct = await netSandbox.exec(
      `curl -sS -m 3 --noproxy '*' http://example.com/ http://127.0.0.1:${port}/`,
    );
    expect(direct.exitCode).not.toBe(0);
    expect(direct.stdout).not.toContain('host-only-page');
  });

  it('reaches a host service when the operator allows its range, on the allowlisted port only', async () => {
    const allowed = await operatorSandbox.exec(`curl -sS -m 5 --noproxy '' http://localhost:${port}/`);
    expect(allowed.stdout).toBe('host-only-page');
    const tunnel = await operatorSandbox.exec(
      `curl -sS -m 5 --noproxy '' --proxytunnel http://localhost:${port}/`,
    );
    expect(tunnel.stdout).toBe('host-only-page');
    const curl = (args: string) =>
      operatorSandbox.exec(`curl -sS -m 5 -o /dev/null -w '%{http_code}' ${args}`);
    expect((await curl(`--noproxy '' http://localhost:${port + 1}/`)).stdout).toBe('403');
    expect((await curl(`--noproxy '' http://127.0.0.1:${port}/`)).stdout).toBe('403');
    expect(operatorEvents).toEqual(
      expect.arrayContaining([
        { type: 'egress_allowed', host: 'localhost', port, address: '127.0.0.1' },
        { type: 'egress_blocked', host: 'localhost', port: port + 1, reason: 'port_not_allowed' },
        { type: 'egress_blocked', host: '127.0.0.1', port, reason: 'not_allowlisted' },
      ]),
    );
  });

  it('finds no token or API key in its environment, processes or readable files', async () => {
    const inspect = [
      'env',
      'cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr "\\0" "\\n"',
      // Patterns come on stdin so they appear in no file or command line.
      'while IFS= read -r p; do grep -rIl --exclude-dir={proc,sys,dev,usr} -e "$p" / 2>/dev/null </dev/null; done',
      'echo scanned',
    ].join('; ');
    for (const box of [sandbox, netSandbox]) {
      // A planted canary proves the scan does find things.
      const canary = `canary-${randomBytes(8).toString('hex')}`;
      await box.writeFile('canary.txt', canary);
      const stdin = [canary, ...tokenValues].join('\n');
      const result = await box.exec(inspect, { stdin, maxOutputBytes: 4 * MiB });
      expect(result.stdout).toContain('/workspace/canary.txt');
      expect(result.stdout).toContain('scanned');
      for (const token of tokenValues) expect(result.stdout).not.toContain(token);
      for (const name of Object.keys(tokens)) expect(result.stdout).not.toContain(name);
    }
  });

  it('stops a fork bomb while a second sandbox stays healthy', async () => {
    const started = performance.now();
    // The classic bomb returns at once and leaves its tree behind: ending the exec kills the tree.
    const classic = await sandbox.exec(':(){ :|:& };:', { timeoutMs: 3000 });
    expect(classic.exitCode === 0 || classic.killed === 'timeout').toBe(true);
    // A bomb that keeps its exec busy ends at the timeout.
    const bomb = sandbox.exec(':(){ :|:& };:; sleep 60', { timeoutMs: 2000 });
    expect((await neighbour.exec('echo ok')).stdout).toBe('ok\n');
    const result = await bomb;
    expect(result.killed).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(15_000);
    // Only the sandbox's own init and main command are left.
    await waitFor(() => pidsInSandboxCgroups(sandbox.id).length <= 3, 5000, 'the bomb to be gone');
    expect((await sandbox.exec('echo alive')).stdout).toBe('alive\n');
  });

  it('stops a memory hog at the memory limit', async () => {
    const started = performance.now();
    const hog = 'node -e "const a=[];for(;;)a.push(Buffer.alloc(32*1024*1024,1))"';
    const result = await sandbox.exec(hog, { timeoutMs: 30_000 });
    expect(result.killed).toBe('memory_limit');
    expect(performance.now() - started).toBeLessThan(20_000);
    expect((await neighbour.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('stops a single-file disk filler at the file-size limit', async () => {
    const ws = join(root, 'a');
    const dd = await sandbox.exec('dd if=/dev/zero of=big.bin bs=1M count=200', { timeoutMs: 20_000 });
    expect(dd.exitCode).not.toBe(0);
    expect(statSync(join(ws, 'big.bin')).size).toBeLessThanOrEqual(50 * MiB);
    rmSync(join(ws, 'big.bin'));
    const yes = await sandbox.exec('yes > yes.txt; echo "exit $?"', { timeoutMs: 20_000 });
    expect(yes.stdout).toBe('exit 153\n'); // 128 + SIGXFSZ
    expect(statSync(join(ws, 'yes.txt')).size).toBeLessThanOrEqual(50 * MiB);
    rmSync(join(ws, 'yes.txt'));
    // The limit is hard too, and a command cannot raise it (bash counts KiB here).
    const raise = await sandbox.exec(
      'ulimit -Hf; ulimit -f unlimited 2>/dev/null && echo raised || echo refused',
    );
    expect(raise.stdout).toBe(`${50 * 1024}\nrefused\n`);
  });

  it('stops a many-file disk filler with the workspace watchdog', async () => {
    const started = performance.now();
    const filler =
      'for i in $(seq 1 40); do head -c 10000000 /dev/zero > fill-$i.bin || exit 9; done; sleep 60';
    const result = await sandbox.exec(filler, { timeoutMs: 30_000 });
    expect(result.killed).toBe('disk_limit');
    expect(result.exitCode).toBeNull();
    expect(result.stderr).toContain('disk limit');
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(events.some((e) => e.type === 'warning' && e.message.includes('limit'))).toBe(true);
    for (const file of readdirSync(join(root, 'a')))
      if (file.startsWith('fill-')) rmSync(join(root, 'a', file));
  });

  it('stops an empty-file filler at the workspace file limit, though it uses almost no bytes', async () => {
    // Empty files take no bytes but an inode each from the host's file system: 40,000 of them
    // against a limit of 5,000.
    const filler =
      'for i in $(seq 1 20); do mkdir e$i && (cd e$i && seq 1 2000 | xargs touch) || exit 9; done; sleep 60';
    const result = await sandbox.exec(filler, { timeoutMs: 60_000 });
    expect(result.killed).toBe('disk_limit');
    expect(result.exitCode).toBeNull();
    expect(result.stderr).toContain('5000 files and folders');
    expect(
      events.some(
        (e) => e.type === 'warning' && /holds \d+ files and folders, over its limit of 5000/.test(e.message),
      ),
    ).toBe(true);
    // Stopped well before the 40,000 and the minute of sleep.
    const made = readdirSync(join(root, 'a')).filter((f) => f.startsWith('e'));
    expect(made.length).toBeLessThan(20);
    for (const dir of made) rmSync(join(root, 'a', dir), { recursive: true });
    // The workspace is usable again once back under the limit.
    expect((await sandbox.exec('touch after-files && echo ok')).stdout).toBe('ok\n');
    rmSync(join(root, 'a', 'after-files'));
  });

  it('stops an endless printer at the output cap', async () => {
    const started = performance.now();
    const result = await sandbox.exec('yes');
    expect(result.killed).toBe('output_limit');
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('keeps the host and the neighbour healthy, and stop leaves no process', async () => {
    expect(spawnSync('true').status).toBe(0);
    expect((await neighbour.exec('echo ok')).stdout).toBe('ok\n');
    expect(pidsInSandboxCgroups(sandbox.id).length).toBeGreaterThan(0);
    await sandbox.stop();
    await waitFor(() => pidsInSandboxCgroups(sandbox.id).length === 0, 5000, 'the sandbox processes to go');
    await expect(sandbox.exec('echo hi')).rejects.toThrow(/stopped/);
  });
});
