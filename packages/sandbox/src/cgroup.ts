import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Resource limits a cgroup enforces; absent fields are left unlimited. */
export interface CgroupLimits {
  memoryBytes?: number;
  maxProcesses?: number;
  /** CPU share in cores (e.g. 0.5). */
  cpus?: number;
}

/** A per-command child cgroup: joined by the command's launcher, killed as one tree. */
export interface ExecCgroup {
  /** `cgroup.procs` files the launcher writes its own pid into before exec'ing the command. */
  readonly joinFiles: string[];
  /** SIGKILLs every process of the command, including daemonised or `setsid` children. */
  kill(): Promise<void>;
  remove(): Promise<void>;
}

/** The cgroup of one sandbox, with its limits. */
export interface SandboxCgroup {
  /** `cgroup.procs` files the sandbox's launcher joins before exec'ing bubblewrap. */
  readonly joinFiles: string[];
  /** Limits that could not be applied, as human-readable warnings. */
  readonly warnings: string[];
  createExec(name: string): Promise<ExecCgroup>;
  /** Number of OOM kills so far (memory limit reached), or 0 when unknown. */
  oomKills(): Promise<number>;
  /**
   * Every thread (host thread ids) in the sandbox cgroup and its children, the commands' included;
   * undefined when it cannot be read whole.
   */
  threads(): Promise<number[] | undefined>;
  /** Kills every process in the sandbox cgroup and its children. */
  killAll(): Promise<void>;
  /** Kills everything and removes the cgroup folders. Idempotent. */
  remove(): Promise<void>;
}

/** Which cgroup layout the host has. `none` means limits cannot be applied. */
export type CgroupLayout =
  | { version: 1; root: string; ownPaths: Record<string, string> }
  | { version: 2; root: string; ownPath: string }
  | { version: 'none'; reason: string };

/**
 * Detects cgroup v1 (one hierarchy per controller, as on this platform's hosts) or v2 (unified).
 * `procSelfCgroup` is the text of `/proc/self/cgroup`; passed in to keep this testable.
 */
export function detectCgroupLayout(root = '/sys/fs/cgroup', procSelfCgroup?: string): CgroupLayout {
  let text: string;
  try {
    text = procSelfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
  } catch (error) {
    return { version: 'none', reason: `cannot read /proc/self/cgroup: ${String(error)}` };
  }
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const line = text.split('\n').find((l) => l.startsWith('0::'));
    return { version: 2, root, ownPath: line ? line.slice(3) : '/' };
  }
  const ownPaths: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (!controllers || path === undefined) continue;
    for (const controller of controllers.split(',')) {
      if (existsSync(join(root, controller, 'cgroup.procs'))) ownPaths[controller] = path;
    }
  }
  if (Object.keys(ownPaths).length === 0)
    return { version: 'none', reason: `no cgroup hierarchy under ${root}` };
  return { version: 1, root, ownPaths };
}

async function readProcs(dir: string): Promise<number[]> {
  try {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((s) => Number(s));
  } catch {
    return [];
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** Every pid in `dir` and its descendant cgroups. */
async function treeProcs(dir: string): Promise<number[]> {
  const own = await readProcs(dir);
  for (const child of await subdirs(dir)) own.push(...(await treeProcs(child)));
  return own;
}

/** Every thread id listed in `file` (`tasks` in v1, `cgroup.threads` in v2) of `dir` and below; undefined when one cannot be read. */
async function treeThreads(dir: string, file: string): Promise<number[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
  const own = text.split('\n').filter(Boolean).map(Number);
  for (const child of await subdirs(dir)) {
    const below = await treeThreads(child, file);
    if (!below) return undefined;
    own.push(...below);
  }
  return own;
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const waitTick = () => new Promise<void>((resolve) => setTimeout(resolve, 10));

/**
 * Kills every process under `dir` until it is empty. The v1 freezer (when given) stops a fork bomb
 * from refilling freed slots between the read and the kill.
 */
async function killTree(dir: string, freezerDir?: string): Promise<void> {
  for (let round = 0; round < 200; round++) {
    if (freezerDir) await writeFile(join(freezerDir, 'freezer.state'), 'FROZEN').catch(() => {});
    const pids = await treeProcs(dir);
    killPids(pids);
    if (freezerDir) await writeFile(join(freezerDir, 'freezer.state'), 'THAWED').catch(() => {});
    if (pids.length === 0) return;
    await waitTick();
  }
}

async function removeTree(dir: string): Promise<void> {
  for (const child of await subdirs(dir)) await removeTree(child);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
      await killTree(dir);
      await waitTick();
    }
  }
}

async function tryWrite(file: string, value: string, warnings: string[], what: string): Promise<boolean> {
  try {
    await writeFile(file, value);
    return true;
  } catch (error) {
    warnings.push(`${what} not applied: cannot write ${file}: ${(error as Error).message}`);
    return false;
  }
}

const CPU_PERIOD_US = 100_000;

async function createV1(
  layout: Extract<CgroupLayout, { version: 1 }>,
  name: string,
  limits: CgroupLimits,
): Promise<SandboxCgroup> {
  const warnings: string[] = [];
  const dirs: Record<string, string> = {};
  for (const controller of ['memory', 'pids', 'cpu', 'freezer']) {
    const own = layout.ownPaths[controller];
    if (own === undefined) {
      if (controller !== 'freezer') warnings.push(`cgroup v1 controller ${controller} is not mounted`);
      continue;
    }
    const dir = join(layout.root, controller, own, name);
    try {
      await mkdir(dir);
      dirs[controller] = dir;
    } catch (error) {
      warnings.push(`cannot create cgroup ${dir}: ${(error as Error).message}`);
    }
  }
  if (dirs.memory && limits.memoryBytes !== undefined) {
    const bytes = String(Math.floor(limits.memoryBytes));
    if (await tryWrite(join(dirs.memory, 'memory.limit_in_bytes'), bytes, warnings, 'memory limit')) {
      // Without memsw the hog would be pushed to swap instead of being OOM-killed.
      if (existsSync(join(dirs.memory, 'memory.memsw.limit_in_bytes'))) {
        await tryWrite(
          join(dirs.memory, 'memory.memsw.limit_in_bytes'),
          bytes,
          warnings,
          'memory+swap limit',
        );
      } else {
        warnings.push('memory.memsw is not available (swapaccount=0): the memory limit does not cover swap');
      }
    }
  } else if (limits.memoryBytes !== undefined) warnings.push('memory limit not applied: no memory cgroup');
  if (dirs.pids && limits.maxProcesses !== undefined) {
    await tryWrite(join(dirs.pids, 'pids.max'), String(limits.maxProcesses), warnings, 'process limit');
  } else if (limits.maxProcesses !== undefined) warnings.push('process limit not applied: no pids cgroup');
  if (dirs.cpu && limits.cpus !== undefined) {
    await tryWrite(join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US), warnings, 'cpu limit');
    const quota = String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US)));
    await tryWrite(join(dirs.cpu, 'cpu.cfs_quota_us'), quota, warnings, 'cpu limit');
  } else if (limits.cpus !== undefined) warnings.push('cpu limit not applied: no cpu cgroup');

  // Per-command trees are tracked in the freezer hierarchy (frozen while killed), else in pids.
  const tracker = dirs.freezer ? 'freezer' : dirs.pids ? 'pids' : undefined;
  const sharedJoin = Object.entries(dirs)
    .filter(([controller]) => controller !== tracker)
    .map(([, dir]) => join(dir, 'cgroup.procs'));
  const all = Object.values(dirs);
  const trackerDir = tracker ? dirs[tracker] : undefined;
  // Every process of the sandbox joins every hierarchy (a command in a child of the tracker's).
  const anyDir = trackerDir ?? all[0];

  return {
    joinFiles: all.map((dir) => join(dir, 'cgroup.procs')),
    warnings,
    async createExec(execName) {
      if (!trackerDir) {
        return { joinFiles: sharedJoin, kill: async () => {}, remove: async () => {} };
      }
      const dir = join(trackerDir, execName);
      await mkdir(dir);
      const freezer = tracker === 'freezer' ? dir : undefined;
      return {
        joinFiles: [...sharedJoin, join(dir, 'cgroup.procs')],
        kill: () => killTree(dir, freezer),
        remove: () => removeTree(dir),
      };
    },
    async oomKills() {
      if (!dirs.memory) return 0;
      const text = await readFile(join(dirs.memory, 'memory.oom_control'), 'utf8').catch(() => '');
      const match = /oom_kill (\d+)/.exec(text);
      return match?.[1] ? Number(match[1]) : 0;
    },
    threads: async () => (anyDir ? treeThreads(anyDir, 'tasks') : undefined),
    async killAll() {
      for (const dir of all) await killTree(dir, dir === dirs.freezer ? dir : undefined);
    },
    async remove() {
      for (const dir of all) await killTree(dir, dir === dirs.freezer ? dir : undefined);
      for (const dir of all) await removeTree(dir);
    },
  };
}

async function createV2(
  layout: Extract<CgroupLayout, { version: 2 }>,
  name: string,
  limits: CgroupLimits,
): Promise<SandboxCgroup> {
  // Untested on this platform's hosts (they run cgroup v1). Needs a delegated subtree: the
  // controllers must be enabled in our own cgroup's subtree_control.
  const warnings: string[] = [];
  const parent = join(layout.root, layout.ownPath);
  const dir = join(parent, name);
  await mkdir(dir);
  await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu').catch((error: Error) => {
    warnings.push(`cgroup v2 controllers not enabled under ${parent}: ${error.message}`);
  });
  if (limits.memoryBytes !== undefined) {
    await tryWrite(join(dir, 'memory.max'), String(Math.floor(limits.memoryBytes)), warnings, 'memory limit');
    await tryWrite(join(dir, 'memory.swap.max'), '0', warnings, 'swap limit');
  }
  if (limits.maxProcesses !== undefined) {
    await tryWrite(join(dir, 'pids.max'), String(limits.maxProcesses), warnings, 'process limit');
  }
  if (limits.cpus !== undefined) {
    const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
    await tryWrite(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`, warnings, 'cpu limit');
  }
  // v2 forbids processes in inner nodes: the sandbox itself lives in a leaf.
  const init = join(dir, 'init');
  await mkdir(init);
  const kill = async (target: string) => {
    const ok = await writeFile(join(target, 'cgroup.kill'), '1').then(
      () => true,
      () => false,
    );
    if (!ok) await killTree(target);
  };
  return {
    joinFiles: [join(init, 'cgroup.procs')],
    warnings,
    async createExec(execName) {
      const execDir = join(dir, execName);
      await mkdir(execDir);
      return {
        joinFiles: [join(execDir, 'cgroup.procs')],
        kill: () => kill(execDir),
        remove: () => removeTree(execDir),
      };
    },
    async oomKills() {
      const text = await readFile(join(dir, 'memory.events'), 'utf8').catch(() => '');
      const match = /oom_kill (\d+)/.exec(text);
      return match?.[1] ? Number(match[1]) : 0;
    },
    threads: () => treeThreads(dir, 'cgroup.threads'),
    killAll: () => kill(dir),
    async remove() {
      await kill(dir);
      await removeTree(dir);
    },
  };
}

/**
 * Creates the cgroup of one sandbox under the current process's own cgroup (no systemd needed).
 * Limits that cannot be applied end up in `warnings`; the caller reports them as events.
 */
export async function createSandboxCgroup(
  layout: CgroupLayout,
  name: string,
  limits: CgroupLimits,
): Promise<SandboxCgroup | { error: string }> {
  if (layout.version === 'none') return { error: layout.reason };
  try {
    return layout.version === 1 ? await createV1(layout, name, limits) : await createV2(layout, name, limits);
  } catch (error) {
    return { error: `cannot create cgroup ${name}: ${(error as Error).message}` };
  }
}

/**
 * The cgroup name of a sandbox: it carries the pid of the process that owns the sandbox, so any
 * process can tell a leftover (dead owner) from a live sandbox of another process on the host
 * without sharing its run folder.
 */
export function sandboxCgroupName(sandboxId: string, ownerPid: number = process.pid): string {
  return `abca-${ownerPid}-${sandboxId}`;
}

/** The owner pid in a sandbox cgroup name, or undefined for a name this version did not make. */
export function cgroupOwnerPid(name: string): number | undefined {
  const match = /^abca-(\d+)-./.exec(name);
  return match?.[1] ? Number(match[1]) : undefined;
}

/**
 * Removes the `abca-*` cgroups under this process's own cgroups whose sandbox is not live (left by
 * a process that was killed), killing whatever still runs in them. Returns the names removed.
 */
export async function removeStaleCgroups(
  layout: CgroupLayout,
  isLive: (name: string) => boolean,
): Promise<string[]> {
  if (layout.version === 'none') return [];
  const parents =
    layout.version === 1
      ? ['memory', 'pids', 'cpu', 'freezer'].flatMap((c) => {
          const own = layout.ownPaths[c];
          return own === undefined ? [] : [join(layout.root, c, own)];
        })
      : [join(layout.root, layout.ownPath)];
  const removed = new Set<string>();
  for (const parent of parents) {
    for (const dir of await subdirs(parent)) {
      const name = dir.slice(parent.length + 1);
      if (!name.startsWith('abca-') || isLive(name)) continue;
      await removeTree(dir).catch(() => {});
      removed.add(name);
    }
  }
  return [...removed];
}
