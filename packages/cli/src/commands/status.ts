import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { taskDetailLines } from '../task-view.ts';

export function registerStatus(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('status')
      .summary('show one task: status, queue position, branch, PR, usage, error')
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const task = await (await ctx.client()).getTask(taskId);
      if (ctx.out.json) ctx.out.printJson(task);
      else for (const line of taskDetailLines(task, ctx.out.c)) ctx.out.out(line);
      return 0;
    }),
  );
}
