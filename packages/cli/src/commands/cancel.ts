import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';

export function registerCancel(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('cancel')
      .summary('cancel a task that has not ended')
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const res = await (await ctx.client()).cancelTask(taskId);
      if (ctx.out.json) ctx.out.printJson(res);
      else ctx.out.out(`Cancelled ${ctx.out.c.bold(res.task_id)} at ${res.cancelled_at}.`);
      return 0;
    }),
  );
}
