import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { watchTask } from '../live.ts';

export function registerWatch(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('watch')
      .summary('follow a task live until it ends (exit 0 only if it COMPLETED)')
      .description(
        'Show the task’s progress live, one line per event (a long command shows its latest output every few seconds), until it ends; then the outcome. --verbose adds what the agent says each turn. Exit code: 0 COMPLETED, 1 FAILED/CANCELLED/TIMED_OUT. Ctrl-C stops watching (exit 130), not the task. With --json, prints only the final task.',
      )
      .argument('<task-id>', 'the task id')
      .option('--verbose', 'also show what the agent says each turn and per-turn summaries'),
  ).action(async (taskId: string, flags: ClientFlags & { verbose?: boolean }) =>
    runClientCommand(cli, flags, async (ctx) => {
      const client = await ctx.client();
      // Fail fast with 404 before opening a stream.
      await client.getTask(taskId);
      return watchTask(ctx.out, client, taskId, { verbose: flags.verbose ?? false });
    }),
  );
}
