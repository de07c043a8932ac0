import { PR_OUTCOME_STATES, type PrOutcomeState, type PrStatsFigures } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { type Colors, table } from '../output.ts';

interface StatsFlags extends ClientFlags {
  repo?: string;
  since?: string;
}

interface PrsFlags extends StatsFlags {
  state?: PrOutcomeState;
  limit?: number;
}

const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v * 1000) / 10}%`);
const num = (v: number | null, digits = 2) => (v === null ? '-' : v.toFixed(digits));
const usd = (v: number | null) => (v === null ? '-' : `$${v.toFixed(4)}`);

/** The figures as table cells, in the order of {@link FIGURE_HEADERS}. */
export function figureCells(f: PrStatsFigures): string[] {
  return [
    String(f.prs),
    String(f.merged),
    String(f.closed),
    String(f.open),
    pct(f.merged_share),
    pct(f.first_review_merge_rate),
    num(f.revision_cycles_per_pr),
    usd(f.cost_per_merged_pr_usd),
    num(f.median_hours_to_first_review, 1),
    num(f.median_hours_to_merge, 1),
  ];
}

export const FIGURE_HEADERS = [
  'PRS',
  'MERGED',
  'CLOSED',
  'OPEN',
  'MERGED %',
  'FIRST-REVIEW MERGE',
  'CYCLES/PR',
  'COST/MERGED',
  'H TO REVIEW',
  'H TO MERGE',
];

export function registerStats(program: Command, cli: Cli): void {
  const stats = program
    .command('stats')
    .summary("how ABCA's pull requests ended: merge rates, revision cycles, cost per merged PR");
  withClientOptions(
    stats
      .command('summary', { isDefault: true })
      .summary('the figures, overall and per repo (the default)')
      .description(
        "The PR loop's figures over ABCA's pull requests, overall and per repo (docs/pr-loop.md defines each). " +
          "A member sees their own tasks' PRs; an admin sees all.",
      )
      .option('--repo <repo>', 'only this repository')
      .option('--since <date>', 'only PRs opened since, e.g. 2026-12-01 (UTC) or an ISO time')
      .addHelpText(
        'after',
        '\nExamples:\n  $ abca stats\n  $ abca stats --repo acme/app --json\n  $ abca stats prs --state merged',
      ),
  ).action(async (flags: StatsFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const s = await (await ctx.client()).stats({ repo: flags.repo, since: flags.since });
      const { out } = ctx;
      if (out.json) {
        out.printJson(s);
        return 0;
      }
      if (s.overall.prs === 0) {
        out.out('No pull requests by ABCA yet.');
        return 0;
      }
      const rows = s.repos.map((r) => [r.repo, ...figureCells(r)]);
      rows.push([out.c.bold('overall'), ...figureCells(s.overall)]);
      for (const line of table(['REPO', ...FIGURE_HEADERS], rows, out.c)) out.out(line);
      return 0;
    }),
  );
  withClientOptions(
    stats
      .command('prs')
      .summary("each ABCA pull request's outcome")
      .option('--repo <repo>', 'only this repository')
      .option('--state <state>', `${PR_OUTCOME_STATES.join(', ')}`, stateArg)
      .option('--since <date>', 'only PRs opened since, e.g. 2026-12-01 (UTC) or an ISO time')
      .option('--limit <n>', 'at most this many, newest first (1-1000, default 100)', intArg(1, 1000)),
  ).action(async (flags: PrsFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const prs = await (await ctx.client()).prOutcomes({
        repo: flags.repo,
        state: flags.state,
        since: flags.since,
        limit: flags.limit,
      });
      const { out } = ctx;
      if (out.json) {
        out.printJson(prs);
        return 0;
      }
      if (prs.length === 0) {
        out.out('No pull requests by ABCA match.');
        return 0;
      }
      const rows = prs.map((p) => [
        `${p.repo}#${p.number}`,
        colorState(p.state, out.c),
        p.watch_reason ? `${p.watch} (${p.watch_reason})` : p.watch,
        String(p.review_cycles),
        String(p.iteration_tasks),
        String(p.human_commits),
        String(p.review_comments.length),
        `$${p.cost_usd.toFixed(4)}`,
        p.url,
      ]);
      for (const line of table(
        ['PR', 'STATE', 'WATCH', 'CYCLES', 'ITERATIONS', 'HUMAN COMMITS', 'COMMENTS', 'COST', 'URL'],
        rows,
        out.c,
      ))
        out.out(line);
      return 0;
    }),
  );
}

function colorState(s: PrOutcomeState, c: Colors): string {
  return s === 'merged' ? c.green(s) : s === 'closed' ? c.red(s) : s;
}

function stateArg(value: string): PrOutcomeState {
  const state = PR_OUTCOME_STATES.find((s) => s === value);
  if (!state) throw new InvalidArgumentError(`must be ${PR_OUTCOME_STATES.join(', ')}.`);
  return state;
}
