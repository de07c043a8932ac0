import type { Command } from 'commander';
import { pendingApprovalLines } from '../approval-view.ts';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { taskDetailLines } from '../task-view.ts';

export function registerStatus(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('status')
      .summary('show one task: status, queue position, branch, PR, usage, error, a pending approval')
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const client = await ctx.client();
      const task = await client.getTask(taskId);
      if (ctx.out.json) {
        ctx.out.printJson(task);
        return 0;
      }
      for (const line of taskDetailLines(task, ctx.out.c)) ctx.out.out(line);
      // A task waiting at a gate: what it asks and what to run to decide.
      if (task.status === 'AWAITING_APPROVAL') {
        const pending = (await client.listApprovals(task.task_id)).find((a) => a.state === 'pending');
        if (pending) {
          ctx.out.out();
          for (const line of pendingApprovalLines(task.task_id, pending, ctx.out.c)) ctx.out.out(line);
        }
      }
      return 0;
    }),
  );
}
