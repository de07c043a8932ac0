import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';

/** `none` (remove the budget) or a number; the server checks the range (more than 0). */
function budgetArg(value: string): number | null {
  if (value.trim().toLowerCase() === 'none') return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError(
      'must be a number of US dollars such as 50, or none to remove the budget.',
    );
  }
  return n;
}

export function registerBudget(program: Command, cli: Cli): void {
  const budget = program
    .command('budget')
    .summary("show or set a user's monthly budget")
    .addHelpText(
      'after',
      "\nA user's tasks are refused with BUDGET_EXCEEDED once their month's spend (UTC) reaches it.\n" +
        "A repo's monthly budget is a repo setting: abca repos update <repo> --monthly-budget-usd <usd>.\n" +
        '\nExamples:\n  $ abca budget show alice\n  $ abca budget set alice 50\n  $ abca budget set alice none',
    );

  withClientOptions(
    budget
      .command('show')
      .summary("a user's monthly budget and this month's spend")
      .argument('<user>', 'the user id'),
  ).action(async (user: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const b = await (await ctx.client()).getUserBudget(user);
      if (ctx.out.json) ctx.out.printJson(b);
      else ctx.out.out(describe(b));
      return 0;
    }),
  );

  withClientOptions(
    budget
      .command('set')
      .summary("set a user's monthly budget in US dollars (admin)")
      .argument('<user>', 'the user id')
      .argument('<usd>', 'dollars per calendar month (UTC), or none', budgetArg),
  ).action(async (user: string, usd: number | null, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const b = await (await ctx.client()).setUserBudget(user, usd);
      if (ctx.out.json) ctx.out.printJson(b);
      else ctx.out.out(describe(b));
      return 0;
    }),
  );
}

function describe(b: {
  user_id: string;
  monthly_budget_usd: number | null;
  month: string;
  spent_usd: number;
}) {
  const spent = `$${b.spent_usd.toFixed(2)} spent in ${b.month} (UTC)`;
  return b.monthly_budget_usd === null
    ? `User ${b.user_id}: no monthly budget; ${spent}.`
    : `User ${b.user_id}: $${b.monthly_budget_usd.toFixed(2)} a month; ${spent}.`;
}
