import type { Command } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { clock, describeEvent } from '../format-event.ts';
import { followTaskEvents } from '../sse.ts';

interface EventsFlags extends ClientFlags {
  limit?: number;
  after?: number;
  follow?: boolean;
}

export function registerEvents(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('events')
      .summary("print a task's event log")
      .description(
        "Print a task's event log, oldest first. --follow streams new events until the task ends (with --json: one JSON event per line).",
      )
      .argument('<task-id>', 'the task id')
      .option('--limit <n>', 'events per page (1-100, default 50)', intArg(1, Number.MAX_SAFE_INTEGER))
      .option('--after <seq>', 'only events after this sequence number', intArg(0, Number.MAX_SAFE_INTEGER))
      .option('--follow', 'keep streaming new events until the task ends'),
  ).action(async (taskId: string, flags: EventsFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const { out } = ctx;
      const client = await ctx.client();
      if (flags.follow) {
        await client.getTask(taskId);
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          for await (const e of followTaskEvents(client, taskId, {
            after: flags.after ?? 0,
            signal: abort.signal,
          })) {
            if (out.json) out.printJsonLine(e);
            else
              out.out(
                `${out.c.dim(String(e.seq).padStart(4))}  ${out.c.dim(clock(e.at))}  ${describeEvent(e, out.c, { verbose: true })}`,
              );
          }
        } finally {
          process.off('SIGINT', stop);
        }
        return 0;
      }
      const page = await client.listEvents(taskId, { limit: flags.limit, after: flags.after });
      if (out.json) {
        out.printJson(page);
        return 0;
      }
      if (page.data.length === 0) out.out('No events.');
      for (const e of page.data) {
        out.out(
          `${out.c.dim(String(e.seq).padStart(4))}  ${out.c.dim(clock(e.at))}  ${describeEvent(e, out.c, { verbose: true })}`,
        );
      }
      const last = page.data[page.data.length - 1];
      if (page.pagination.has_more && last)
        out.out(out.c.dim(`More: abca events ${taskId} --after ${last.seq}`));
      return 0;
    }),
  );
}
