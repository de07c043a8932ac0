import { posix } from 'node:path';
import { readBounds, validateEnv } from '../limits.ts';
import type { RawRun } from '../run-raw-process.ts';
import { FILE_TIMEOUT_MS, type Sandbox, type SandboxActivity, type SandboxEvent } from '../sandbox.ts';
import { diskUsage, startDiskWatch } from './disk-watch.ts';
import { runInSandbox, runRawInSandbox, type SandboxProcessContext } from './exec.ts';
import { type RawRunner, readSandboxFile, writeSandboxFile } from './files.ts';
import { SANDBOX_WORKSPACE } from './profile.ts';
import { schedulingOf } from './scheduling.ts';

/** What {@link createBubblewrapSandbox} needs from the backend that started the sandbox. */
export interface SandboxParts {
  id: string;
  context: SandboxProcessContext;
  emit: (event: SandboxEvent) => void;
  workspaceDir: string;
  teardown: () => Promise<void>;
}

/**
 * The {@link Sandbox} object of a running bubblewrap sandbox: execs, file access through the
 * sandbox, the disk watchdog, and an idempotent stop that kills running commands first.
 */
export function createBubblewrapSandbox(parts: SandboxParts): Sandbox {
  const { context, emit } = parts;
  const running = new Set<{ kill(reason: 'stopped' | 'disk_limit'): void; result: Promise<unknown> }>();
  let stopping: Promise<void> | undefined;
  /** Commands and file operations started (it names their cgroups too). */
  let counter = 0;
  /** Commands and file operations not yet over, their cgroup removal included. */
  let busy = 0;

  const { diskBytes, maxFiles } = context.limits;
  const watch = startDiskWatch({
    dir: parts.workspaceDir,
    measure: (dir) => diskUsage(dir, context.spawner),
    limitBytes: diskBytes,
    limitFiles: maxFiles,
    onExceeded(usage, over) {
      emit({
        type: 'warning',
        message:
          over === 'bytes'
            ? `workspace uses ${usage.bytes} bytes, over its ${diskBytes}-byte limit: running commands killed`
            : `workspace holds ${usage.files} files and folders, over its limit of ${maxFiles}: running commands killed`,
      });
      for (const run of running) run.kill('disk_limit');
    },
  });

  const ensureUsable = () => {
    if (stopping) throw new Error(`sandbox ${parts.id} is stopped`);
    if (!context.isRunning()) {
      throw new Error(`sandbox ${parts.id} is not running any more: ${context.diagnostics()}`);
    }
  };
  // File operations are tracked apart from execs: `stop` kills them, the disk watchdog does not
  // (a read grows nothing, and a write is capped per file by the file-size rlimit).
  const fileRuns = new Set<RawRun>();
  const runRaw =
    (prefix: string): RawRunner =>
    async (command, options) => {
      busy++;
      try {
        const run = await runRawInSandbox(context, `${prefix}${++counter}`, command, options);
        fileRuns.add(run);
        try {
          return await run.result;
        } finally {
          fileRuns.delete(run);
        }
      } finally {
        busy--;
      }
    };
  // Inside the sandbox, so any absolute path is as safe as the sandbox itself (no host symlink games).
  const resolveInside = (path: string) => posix.resolve(SANDBOX_WORKSPACE, path);

  return {
    id: parts.id,
    kind: 'bubblewrap',
    workspacePath: SANDBOX_WORKSPACE,
    async exec(command, execOptions = {}) {
      ensureUsable();
      if (execOptions.env) validateEnv(execOptions.env);
      busy++;
      try {
        const run = await runInSandbox(context, `e${++counter}`, command, execOptions);
        running.add(run);
        watch.resume();
        try {
          return await run.result;
        } finally {
          running.delete(run);
          if (running.size === 0) watch.pause();
        }
      } finally {
        busy--;
      }
    },
    async readFile(path, options = {}) {
      ensureUsable();
      const { maxBytes, timeoutMs } = readBounds(options, context.limits);
      return readSandboxFile(runRaw('r'), path, resolveInside(path), maxBytes, timeoutMs);
    },
    async writeFile(path, content) {
      ensureUsable();
      return writeSandboxFile(runRaw('w'), path, resolveInside(path), content, FILE_TIMEOUT_MS);
    },
    async activity(): Promise<SandboxActivity | undefined> {
      const commands = counter;
      const quiet = () => !stopping && busy === 0 && counter === commands && context.isRunning();
      if (!quiet() || !context.cgroup) return undefined;
      // Every process of the sandbox is in its cgroup (the commands' in child cgroups): what the
      // sandbox started, whatever it became, is among these threads.
      const threads = await context.cgroup.threads();
      const scheduling = threads && (await schedulingOf(threads));
      // A command started meanwhile may have run before its threads were listed: no mark then.
      return scheduling !== undefined && quiet() ? { commands, scheduling } : undefined;
    },
    stop() {
      stopping ??= (async () => {
        watch.stop();
        for (const run of running) run.kill('stopped');
        for (const run of fileRuns) run.kill('stopped');
        await Promise.allSettled([...running, ...fileRuns].map((run) => run.result));
        await parts.teardown();
      })();
      return stopping;
    },
  };
}
