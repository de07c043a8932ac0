import { posix } from 'node:path';
import { validateEnv } from '../limits.ts';
import type { Sandbox, SandboxEvent } from '../sandbox.ts';
import { startDiskWatch } from './disk-watch.ts';
import { runInSandbox, runRawInSandbox, type SandboxProcessContext } from './exec.ts';
import { SANDBOX_WORKSPACE } from './profile.ts';

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
  let counter = 0;

  const diskBytes = context.limits.diskBytes;
  const watch = startDiskWatch({
    dir: parts.workspaceDir,
    limitBytes: diskBytes,
    onExceeded(usage) {
      emit({
        type: 'warning',
        message: `workspace uses ${usage} bytes, over its ${diskBytes}-byte limit: running commands killed`,
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
  // Inside the sandbox, so any absolute path is as safe as the sandbox itself (no host symlink games).
  const resolveInside = (path: string) => posix.resolve(SANDBOX_WORKSPACE, path);

  return {
    id: parts.id,
    kind: 'bubblewrap',
    workspacePath: SANDBOX_WORKSPACE,
    async exec(command, execOptions = {}) {
      ensureUsable();
      if (execOptions.env) validateEnv(execOptions.env);
      const run = await runInSandbox(context, `e${++counter}`, command, execOptions);
      running.add(run);
      try {
        return await run.result;
      } finally {
        running.delete(run);
      }
    },
    async readFile(path) {
      ensureUsable();
      const out = await runRawInSandbox(context, `r${++counter}`, ['/bin/cat', '--', resolveInside(path)]);
      if (out.exitCode !== 0) throw new Error(`cannot read ${path}: ${out.stderr.toString().trim()}`);
      return out.stdout;
    },
    async writeFile(path, content) {
      ensureUsable();
      const script = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"';
      const target = resolveInside(path);
      const out = await runRawInSandbox(
        context,
        `w${++counter}`,
        ['/bin/sh', '-c', script, 'sh', target],
        content,
      );
      if (out.exitCode !== 0) throw new Error(`cannot write ${path}: ${out.stderr.toString().trim()}`);
    },
    stop() {
      stopping ??= (async () => {
        watch.stop();
        for (const run of running) run.kill('stopped');
        await Promise.allSettled([...running].map((run) => run.result));
        await parts.teardown();
      })();
      return stopping;
    },
  };
}
