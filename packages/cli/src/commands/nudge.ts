import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';

export function registerNudge(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('nudge')
      .summary('send the running agent a message it reads between turns')
      .argument('<task-id>', 'the task id')
      .argument('<message...>', 'the message (quote it, or give several words)'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ abca nudge 01J9Z3K8Q2W5V7X1Y4T6R8N0MB "Use the existing logger, not console.log"',
    )
    .action(async (taskId: string, words: string[], flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const res = await (await ctx.client()).nudge(taskId, words.join(' '));
        if (ctx.out.json) ctx.out.printJson(res);
        else
          ctx.out.out(
            `Nudge ${res.nudge_id} queued for ${res.task_id}; the agent reads it before its next turn.`,
          );
        return 0;
      }),
    );
}
