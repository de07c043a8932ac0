import { type ChangeRequestInfo, TaskId } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { type Colors, formatAge, type Output, table, truncate } from '../output.ts';
import { registerPrReview } from './pr-review.ts';

interface ListFlags extends ClientFlags {
  repo?: string;
  task?: string;
  limit?: number;
}

const EXAMPLES = `
ABCA keeps the pull requests of plain-git repositories (onboarded with --git-url) itself;
those of GitHub repositories are on GitHub (see the PR link of \`abca status <task-id>\`).

Examples:
  $ abca prs list --repo tools
  $ abca prs show 12
  $ abca prs diff 12 | git apply
  $ abca prs diff 01J9Z3K8Q2W5V7X1Y4T6R8N0MB > task.diff
  $ abca prs comment 12 --path src/app.ts --line 40 "Handle the empty list here."
  $ abca prs comments 12
  $ abca prs comment 12 --reply-to 31 "Done."
  $ abca prs resolve 12 31
  $ abca prs review 12 --request-changes -m "See the two comments."
  $ abca prs review 12 --approve
  $ abca prs merge 12
  $ abca prs close 13`;

export function registerPrs(program: Command, cli: Cli): void {
  const prs = program
    .command('prs')
    .summary('pull requests of plain-git repositories: list, show, diff, comment, review, merge, close')
    .addHelpText('after', EXAMPLES);

  withClientOptions(
    prs
      .command('list')
      .summary('list pull requests, newest first')
      .option('--repo <repo>', 'only this repository')
      .option('--task <task-id>', 'only the one of this task')
      .option('--limit <n>', 'how many (1-100, default 20)', intArg(1, Number.MAX_SAFE_INTEGER)),
  ).action(async (flags: ListFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const list = await (await ctx.client()).listPrs({
        ...(flags.repo !== undefined ? { repo: flags.repo } : {}),
        ...(flags.task !== undefined ? { task_id: flags.task } : {}),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      });
      const { out } = ctx;
      if (out.json) out.printJson(list);
      else if (list.length === 0) {
        const filtered = flags.repo !== undefined || flags.task !== undefined;
        out.out(filtered ? 'No pull requests match.' : 'No pull requests yet.');
        out.out(
          out.c.dim(
            'ABCA keeps those of plain-git repositories (abca repos add <name> --git-url <url>); GitHub ones are on GitHub.',
          ),
        );
      } else {
        const rows = list.map((p) => [
          `#${p.number}`,
          p.repo,
          stateText(p.state, out.c),
          p.draft ? 'yes' : 'no',
          p.branch,
          truncate(p.title, 50),
          p.task_id ?? '-',
        ]);
        for (const line of table(
          ['NUMBER', 'REPO', 'STATE', 'DRAFT', 'BRANCH', 'TITLE', 'TASK'],
          rows,
          out.c,
        ))
          out.out(line);
      }
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('show')
      .summary('show one pull request: title, body, branch, commits, state')
      .argument('<number>', 'the pull request number', intArg(1, Number.MAX_SAFE_INTEGER)),
  ).action(async (number: number, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const pr = await (await ctx.client()).getPr(number, { withDiff: false });
      if (ctx.out.json) ctx.out.printJson(pr);
      else printPr(ctx.out, pr);
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('diff')
      .summary("print a pull request's diff, or a task's")
      .description(
        "Print the diff of a pull request (by number) or of a task's pull request (by task id), as git shows it: pipe it to `git apply` or a pager.",
      )
      .argument('<number-or-task-id>', 'a pull request number, or a 26-character task id'),
  ).action(async (target: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const client = await ctx.client();
      const { out } = ctx;
      if (/^\d+$/.test(target.trim())) {
        const number = Number(target);
        if (number < 1 || !Number.isSafeInteger(number))
          throw new CliError(`${target} is not a pull request number (1 or more).`, EXIT.USAGE);
        const pr = await client.getPr(number, { withDiff: true });
        if (pr.diff === undefined)
          throw new CliError(`The server sent pull request #${number} without its diff.`, EXIT.FAILURE);
        if (out.json) out.printJson(pr);
        else printDiff(out, pr.diff, `Pull request #${number}`);
        return 0;
      }
      const id = TaskId.safeParse(target.trim());
      if (!id.success)
        throw new CliError(
          `${JSON.stringify(target)} is neither a pull request number nor a task id (26 characters).`,
          EXIT.USAGE,
        );
      if (out.json) out.printJson(await client.getTaskDiff(id.data));
      else printDiff(out, await client.getTaskDiffRaw(id.data), `Task ${id.data}'s pull request`);
      return 0;
    }),
  );

  registerPrReview(prs, cli);
}

/** The diff exactly as stored; an empty one is said on stderr so stdout stays a valid (empty) diff. */
function printDiff(out: Output, diff: string, what: string): void {
  if (diff === '') out.err(out.ce.dim(`${what} has an empty diff.`));
  else out.out(diff.endsWith('\n') ? diff.slice(0, -1) : diff);
}

function printPr(out: Output, pr: ChangeRequestInfo): void {
  const { c } = out;
  const row = (k: string, v: string) => out.out(`${c.dim(`${k}:`.padEnd(10))}${v}`);
  out.out(`${c.bold(`#${pr.number}`)} ${c.bold(pr.title)}`);
  row('state', `${stateText(pr.state, c)}${pr.draft ? ' (draft)' : ''}`);
  row('repo', pr.repo);
  row('branch', `${pr.branch} → ${pr.base}`);
  row('task', pr.task_id ?? '-');
  row('diff', `${pr.diff_lines} lines ${c.dim(`(abca prs diff ${pr.number})`)}`);
  const now = Date.now();
  row('created', `${pr.created_at} (${formatAge(pr.created_at, now)} ago)`);
  row('updated', `${pr.updated_at} (${formatAge(pr.updated_at, now)} ago)`);
  row('commits', String(pr.commits.length));
  for (const commit of pr.commits)
    out.out(`  ${c.yellow(commit.sha.slice(0, 10))}  ${commit.subject} ${c.dim(`(${commit.author})`)}`);
  out.out();
  out.out(pr.body.trim() === '' ? c.dim('(no description)') : pr.body.trimEnd());
}

function stateText(state: ChangeRequestInfo['state'], c: Colors): string {
  if (state === 'open') return c.green(state);
  if (state === 'merged') return c.cyan(state);
  return c.dim(state);
}
