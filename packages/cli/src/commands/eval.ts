import { type EvalArmName, EvalReport, type EvalTaskRun } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { reportLines } from '../eval/report-view.ts';
import { EvalInterrupted, runTask } from '../eval/run-task.ts';
import { deltas, summariseArm } from '../eval/summary.ts';
import { readTaskFile } from '../eval/task-file.ts';
import { INTERRUPTED } from '../live.ts';

interface EvalFlags extends ClientFlags {
  tasks: string;
  runs?: number;
}

/** Memory off first, then on: each task's pair runs back to back, never both at once. */
const ARMS: readonly EvalArmName[] = ['memory_off', 'memory_on'];

export function registerEval(program: Command, cli: Cli): void {
  withClientOptions(
    program
      .command('eval')
      .summary("measure memory's effect: run a set of tasks with memory off and on")
      .description(
        'Runs every task of a task file (JSON lines) on the repo twice, memory off (memory: false) then on, one task at a time, against the model the server is configured with; waits for each and reports per arm the validation pass rate, the share of earlier review corrections repeated, turns and cost, and the deltas. Ctrl-C cancels the task running and prints what ended.',
      )
      .argument('<repo>', 'onboarded repository, owner/name')
      .requiredOption('--tasks <file.jsonl>', 'the task file: one JSON object a line (docs/memory.md)')
      .option('--runs <n>', 'how many times to run the whole set (1-20, default 1)', intArg(1, 20)),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ abca eval acme/app --tasks examples/eval/tasks.jsonl
  $ abca eval acme/app --tasks tasks.jsonl --runs 3 --json | jq .deltas`,
    )
    .action(async (repo: string, flags: EvalFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const tasks = await readTaskFile(flags.tasks);
        const runs = flags.runs ?? 1;
        const client = await ctx.client();
        const { out } = ctx;
        const info = await client.getRepo(repo);
        if (info.settings.memory === false) {
          out.err(
            out.ce.yellow(
              `Warning: memory is off for ${repo} (repos update --memory on); the memory-on arm may get none.`,
            ),
          );
        }
        const abort = new AbortController();
        const onSignal = () => abort.abort();
        process.once('SIGINT', onSignal);
        const results: EvalTaskRun[] = [];
        const total = tasks.length * runs * ARMS.length;
        let interrupted = false;
        try {
          for (let run = 1; run <= runs; run++) {
            for (const task of tasks) {
              for (const arm of ARMS) {
                const label = `[${results.length + 1}/${total}] ${task.id} run ${run}, ${arm === 'memory_on' ? 'memory on' : 'memory off'}`;
                const result = await runTask(client, repo, task, arm, run, abort.signal, {
                  submitted: (id) => out.err(`${label}: submitted ${id}`),
                  step: (step) => out.err(out.ce.dim(`${label}: ${step}`)),
                });
                results.push(result);
                out.err(
                  `${label}: ${result.status}, validation ${result.validation_passed === null ? 'none' : result.validation_passed ? 'passed' : 'failed'}, ${result.turns} turns`,
                );
              }
            }
          }
        } catch (err) {
          if (!(err instanceof EvalInterrupted)) throw err;
          interrupted = true;
          out.err(
            err.taskId
              ? `Interrupted: cancelled task ${err.taskId}; no other eval task is left running.`
              : 'Interrupted before the next task was submitted.',
          );
        } finally {
          process.off('SIGINT', onSignal);
        }
        const off = summariseArm(results, 'memory_off');
        const on = summariseArm(results, 'memory_on');
        const report = EvalReport.parse({
          repo: info.repo,
          tasks: tasks.length,
          runs,
          complete: !interrupted,
          arms: { memory_off: off, memory_on: on },
          deltas: deltas(off, on),
          results,
        });
        if (out.json) out.printJson(report);
        else for (const line of reportLines(report, out.c)) out.out(line);
        return interrupted ? INTERRUPTED : 0;
      }),
    );
}
