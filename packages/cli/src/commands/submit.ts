import { WORKFLOW_REFS, WorkflowRef } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, intArg, numberArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { watchTask } from '../live.ts';
import { statusWithQueue } from '../task-view.ts';

interface SubmitFlags extends ClientFlags {
  repo: string;
  issue?: number;
  pr?: number;
  workflow?: WorkflowRef;
  maxTurns?: number;
  maxBudget?: number;
  idempotencyKey?: string;
  wait?: boolean;
}

export function registerSubmit(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('submit')
      .summary('submit a task; it runs in the background and ends in a pull request')
      .description(
        'Submit a coding task (POST /v1/tasks). Prints the task id and status; with --wait, shows live progress until the task ends and exits 0 only if it COMPLETED.',
      )
      .argument('[description...]', 'what to do (quote it, or give several words)')
      .requiredOption('--repo <repo>', 'onboarded repository, owner/name')
      .option('--issue <n>', 'issue to work on', intArg(1, Number.MAX_SAFE_INTEGER))
      .option('--pr <n>', 'pull request to iterate on or review', intArg(1, Number.MAX_SAFE_INTEGER))
      .option('--workflow <ref>', `one of ${WORKFLOW_REFS.join(', ')} (default: the first)`, workflowArg)
      .option('--max-turns <n>', 'agent turn limit (1-500)', intArg(1, Number.MAX_SAFE_INTEGER))
      .option('--max-budget <usd>', 'spending limit in US dollars (0.01-100)', numberArg(0, Number.MAX_VALUE))
      .option('--idempotency-key <key>', 'resubmitting with the same key returns the same task')
      .option('--wait', 'follow the task live until it ends; exit code per final status'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ abca submit --repo acme/app "Add a --verbose flag to the CLI"
  $ abca submit --repo acme/app --issue 42 --wait
  $ abca submit --repo acme/app --pr 7 --workflow coding/pr-iteration-v1
  $ id=$(abca submit --repo acme/app "Fix the flaky test" --json | jq -r .task_id)`,
    )
    .action(async (words: string[], flags: SubmitFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const description = words.join(' ').trim();
        if (flags.idempotencyKey !== undefined && flags.idempotencyKey.trim() === '')
          throw new CliError('--idempotency-key must not be empty.', EXIT.USAGE);
        const client = await ctx.client();
        const { task, replay, warnings } = await client.createTask(
          {
            repo: flags.repo,
            ...(description ? { task_description: description } : {}),
            ...(flags.issue !== undefined ? { issue_number: flags.issue } : {}),
            ...(flags.pr !== undefined ? { pr_number: flags.pr } : {}),
            ...(flags.workflow !== undefined ? { workflow_ref: flags.workflow } : {}),
            ...(flags.maxTurns !== undefined ? { max_turns: flags.maxTurns } : {}),
            ...(flags.maxBudget !== undefined ? { max_budget_usd: flags.maxBudget } : {}),
          },
          flags.idempotencyKey,
        );
        const { out } = ctx;
        for (const warning of warnings) out.err(out.ce.yellow(`Warning: ${warning}`));
        if (!flags.wait) {
          if (out.json) out.printJson(replay ? { ...task, idempotent_replay: true } : task);
          else {
            out.out(
              `${replay ? 'Already submitted (same idempotency key):' : 'Submitted'} ${out.c.bold(task.task_id)}`,
            );
            out.out(`Status: ${statusWithQueue(task, out.c)}`);
            out.out(out.c.dim(`Follow it with: abca watch ${task.task_id}`));
          }
          return 0;
        }
        if (!out.json) {
          out.out(
            `${replay ? 'Already submitted' : 'Submitted'} ${out.c.bold(task.task_id)}: ${statusWithQueue(task, out.c)}`,
          );
        }
        return watchTask(out, client, task.task_id);
      }),
    );
}

function workflowArg(value: string): WorkflowRef {
  const parsed = WorkflowRef.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`must be one of ${WORKFLOW_REFS.join(', ')}.`);
  return parsed.data;
}
