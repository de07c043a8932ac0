import type { TaskSummary } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { colorStatus, formatAge, table, truncate } from '../output.ts';

interface TasksFlags extends ClientFlags {
  status?: string;
  repo?: string;
  limit?: number;
  allPages?: boolean;
}

export function registerTasks(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('tasks')
      .summary('list tasks, newest first')
      .description('List your tasks (an admin sees everyone’s), newest first.')
      .option('--status <s[,s]>', 'only these statuses, e.g. RUNNING,QUEUED')
      .option('--repo <repo>', 'only this repository')
      .option('--limit <n>', 'tasks per page (1-100, default 20)', intArg(1, Number.MAX_SAFE_INTEGER))
      .option('--all-pages', 'fetch every page, not just the first'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ abca tasks --status RUNNING,QUEUED\n  $ abca tasks --repo acme/app --all-pages --json',
    )
    .action(async (flags: TasksFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const client = await ctx.client();
        const tasks: TaskSummary[] = [];
        let nextToken: string | undefined;
        let hasMore = false;
        do {
          const page = await client.listTasks({
            status: flags.status,
            repo: flags.repo,
            limit: flags.limit,
            next_token: nextToken,
          });
          tasks.push(...page.data);
          nextToken = page.pagination.next_token ?? undefined;
          hasMore = page.pagination.has_more;
        } while (flags.allPages && hasMore && nextToken);
        const { out } = ctx;
        if (out.json) {
          out.printJson({ data: tasks, pagination: { next_token: nextToken ?? null, has_more: hasMore } });
          return 0;
        }
        if (tasks.length === 0) {
          out.out('No tasks.');
          return 0;
        }
        const now = Date.now();
        const rows = tasks.map((t) => [
          t.task_id,
          colorStatus(t.status, out.c),
          t.repo,
          t.channel,
          t.current_step ?? '-',
          formatAge(t.created_at, now),
          truncate(
            t.task_description ?? (t.issue_number ? `issue #${t.issue_number}` : `PR #${t.pr_number}`),
            60,
          ),
        ]);
        for (const line of table(
          ['ID', 'STATUS', 'REPO', 'CHANNEL', 'STEP', 'AGE', 'DESCRIPTION'],
          rows,
          out.c,
        ))
          out.out(line);
        if (hasMore) out.out(out.c.dim('More tasks: add --all-pages (or a larger --limit).'));
        return 0;
      }),
    );
}
