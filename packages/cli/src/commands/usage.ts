import { USAGE_GROUPS, type UsageGroupBy, type UsageTotals } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { type Colors, table } from '../output.ts';

interface UsageFlags extends ClientFlags {
  from?: string;
  to?: string;
  by?: UsageGroupBy;
  repo?: string;
  user?: string;
}

/** `$1.2345`, or `$1.2345 + 2 unpriced` when some tasks' dollars are unknown. */
export function formatCost(t: UsageTotals, c: Colors): string {
  const dollars = `$${t.cost_usd.toFixed(4)}`;
  if (t.unpriced_tasks === 0) return dollars;
  const unpriced = c.yellow(`${t.unpriced_tasks === t.tasks ? '' : '+ '}${t.unpriced_tasks} unpriced`);
  return t.unpriced_tasks === t.tasks ? unpriced : `${dollars} ${unpriced}`;
}

export function registerUsage(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('usage')
      .summary('tokens and dollars spent, by repo, user or task')
      .description(
        'Tokens and dollars of the tasks created in a period (default: this calendar month, UTC). ' +
          'A member sees their own tasks; an admin sees everyone\'s. Tasks on a model with no price are "unpriced": ' +
          'their tokens count, their dollars are not known (give the model a price in ABCA_PRICES_FILE).',
      )
      .option('--from <date>', 'first day, e.g. 2026-12-01 (UTC), or an ISO time')
      .option('--to <date>', 'day after the last, e.g. 2027-01-01 (UTC), or an ISO time')
      .option('--by <group>', `group by ${USAGE_GROUPS.join(', ')} (default repo)`, groupArg)
      .option('--repo <repo>', 'only this repository')
      .option('--user <user>', "only this user's tasks (admin)")
      .addHelpText(
        'after',
        '\nExamples:\n  $ abca usage\n  $ abca usage --by user --from 2026-11-01 --to 2026-12-01\n  $ abca usage --by task --repo acme/app',
      ),
  ).action(async (flags: UsageFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const report = await (await ctx.client()).usage({
        from: flags.from,
        to: flags.to,
        group_by: flags.by,
        repo: flags.repo,
        user: flags.user,
      });
      const { out } = ctx;
      if (out.json) {
        out.printJson(report);
        return 0;
      }
      out.out(out.c.dim(`Usage from ${report.from} to ${report.to} (tasks created in that period)`));
      if (report.groups.length === 0) {
        out.out('No tasks in this period.');
        return 0;
      }
      const rows = report.groups.map((g) => [
        g.key,
        String(g.tasks),
        String(g.input_tokens),
        String(g.output_tokens),
        formatCost(g, out.c),
      ]);
      const t = report.total;
      rows.push([
        out.c.bold('total'),
        String(t.tasks),
        String(t.input_tokens),
        String(t.output_tokens),
        formatCost(t, out.c),
      ]);
      for (const line of table(
        [report.group_by.toUpperCase(), 'TASKS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST'],
        rows,
        out.c,
      ))
        out.out(line);
      return 0;
    }),
  );
}

function groupArg(value: string): UsageGroupBy {
  const group = USAGE_GROUPS.find((g) => g === value);
  if (!group) throw new InvalidArgumentError(`must be ${USAGE_GROUPS.join(', ')}.`);
  return group;
}
