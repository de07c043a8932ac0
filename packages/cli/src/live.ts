import { isTerminal, type TaskDetail } from '@abca/contracts';
import { decideCommands } from './approval-view.ts';
import type { ApiClient } from './client.ts';
import { clock, describeEvent } from './format-event.ts';
import type { Output } from './output.ts';
import { followTaskEvents } from './sse.ts';
import { exitCodeOfTask, outcomeLines } from './task-view.ts';

export const INTERRUPTED = 130;

/**
 * The live view of `submit --wait` and `watch`: one line per event until the task ends, then the
 * outcome; `verbose` adds the agent's own messages and per-turn summaries. Returns the exit code (0 COMPLETED, 1 otherwise; 130 when interrupted with Ctrl-C —
 * the task keeps running). Under `--json` nothing is printed until the end, then the final task.
 */
export async function watchTask(
  out: Output,
  client: ApiClient,
  taskId: string,
  opts: { after?: number; verbose?: boolean } = {},
): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    for await (const e of followTaskEvents(client, taskId, {
      after: opts.after ?? 0,
      signal: abort.signal,
      onReconnect: (after, reason) => {
        if (!out.json) out.err(out.ce.dim(`(${reason}; reconnecting after event ${after})`));
      },
    })) {
      const line = out.json ? '' : describeEvent(e, out.c, { verbose: opts.verbose ?? false });
      // The concise view leaves out the agent's messages and per-turn summaries (--verbose shows them).
      if (line) out.out(`${out.c.dim(clock(e.at))}  ${line}`);
      // A gate waits on a person: say what to run (in another terminal; this view goes on).
      if (line && e.type === 'approval.requested')
        out.out(
          `${' '.repeat(clock(e.at).length)}  ${out.c.dim(`decide: ${decideCommands(taskId).join('   or   ')}`)}`,
        );
    }
    if (abort.signal.aborted) {
      out.err(`Stopped watching; task ${taskId} keeps running. Resume with \`abca watch ${taskId}\`.`);
      return INTERRUPTED;
    }
    const task: TaskDetail = await client.getTask(taskId);
    if (out.json) out.printJson(task);
    else {
      if (!isTerminal(task.status)) out.out(`Task ${taskId} is ${task.status}.`);
      out.out();
      for (const line of outcomeLines(task, out.c)) out.out(line);
    }
    return exitCodeOfTask(task.status);
  } finally {
    process.off('SIGINT', onSignal);
  }
}
