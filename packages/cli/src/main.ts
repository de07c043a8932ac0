import { Command, CommanderError } from 'commander';
import type { Cli } from './command-kit.ts';
import { registerApprovals } from './commands/approvals.ts';
import { registerBudget } from './commands/budget.ts';
import { registerCache } from './commands/cache.ts';
import { registerCancel } from './commands/cancel.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerEval } from './commands/eval.ts';
import { registerEvents } from './commands/events.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMemory } from './commands/memory.ts';
import { registerNudge } from './commands/nudge.ts';
import { registerPrs } from './commands/prs.ts';
import { registerRepos } from './commands/repos.ts';
import { registerReset } from './commands/reset.ts';
import { registerServe } from './commands/serve.ts';
import { registerStats } from './commands/stats.ts';
import { registerStatus } from './commands/status.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerUsage } from './commands/usage.ts';
import { registerUsers } from './commands/users.ts';
import { registerWatch } from './commands/watch.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { registerWorker } from './commands/worker.ts';
import type { Env } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { VERSION } from './version.ts';

export { VERSION };

const MAIN_HELP = `
Examples:
  $ npm start                                   # = abca serve: API + workers on this machine
  $ abca repos add acme/app                     # onboard a repository (admin)
  $ abca submit --repo acme/app "Add a health check endpoint" --wait
  $ abca tasks --status RUNNING,QUEUED
  $ abca watch <task-id>
  $ abca approve <task-id>                      # a task waiting at an approval gate goes on
  $ abca deny <task-id> --reason "Not this week"
  $ abca prs diff <task-id>                     # the changes of a plain-git repo's task
  $ abca memory list acme/app                  # what ABCA learned of a repo (show, edit, forget...)
  $ abca cache list                             # what setup commands produced, kept for the next task
  $ abca usage --by user                        # tokens and dollars this month
  $ abca doctor                                 # this machine, and the server's own configuration
  $ abca reset                                  # remove every trace of the state folder

Server and key (client commands):
  URL: --url, else ABCA_URL, else ABCA_PORT (on ABCA_HOST or 127.0.0.1), else $ABCA_HOME/server.json
       (written by serve), else http://127.0.0.1:8787
  key: --api-key, else ABCA_API_KEY, else $ABCA_HOME/admin.key (written by serve)
  ABCA_HOME defaults to ~/.abca.

Exit codes:
  0 ok (submit --wait / watch: the task COMPLETED)
  1 the task FAILED, was CANCELLED or TIMED_OUT; a doctor check failed; other failures
  2 usage error: bad flags or arguments, invalid configuration, input the API refused (400/422)
  3 the server is not reachable
  4 no API key, or it was refused (401/403)
  5 not found (404)
`;

/** Builds the `abca` command tree. */
export function buildProgram(cli: Cli): Command {
  const program = new Command('abca')
    .description('ABCA: hand coding tasks to background agents, get pull requests back.')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .allowExcessArguments(false)
    .showHelpAfterError('(run `abca --help` for usage)')
    .addHelpText('after', MAIN_HELP);
  registerServe(program, cli);
  registerWorker(program, cli);
  registerSubmit(program, cli);
  registerTasks(program, cli);
  registerStatus(program, cli);
  registerWatch(program, cli);
  registerEvents(program, cli);
  registerCancel(program, cli);
  registerNudge(program, cli);
  registerApprovals(program, cli);
  registerEval(program, cli);
  registerRepos(program, cli);
  registerPrs(program, cli);
  registerMemory(program, cli);
  registerCache(program, cli);
  registerKeys(program, cli);
  registerWebhooks(program, cli);
  registerUsage(program, cli);
  registerStats(program, cli);
  registerBudget(program, cli);
  registerUsers(program, cli);
  registerDoctor(program, cli);
  registerReset(program, cli);
  return program;
}

/**
 * Runs the command line. Client commands exit with their code; `serve` and `worker` keep the
 * process alive once started (their signal handlers exit).
 */
export async function run(argv: string[], env: Env): Promise<void> {
  let exitCode: number = EXIT.OK;
  let keepRunning = false;
  const cli: Cli = {
    env,
    setExitCode: (code) => {
      exitCode = code;
    },
    keepRunning: () => {
      keepRunning = true;
    },
  };
  const program = buildProgram(cli);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    exitCode = commanderExitCode(err, program);
  }
  if (keepRunning) return;
  process.exit(exitCode);
}

function commanderExitCode(err: unknown, program: Command): number {
  if (!(err instanceof CommanderError)) {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.FAILURE;
  }
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
  if (err.code === 'commander.unknownCommand') {
    process.stderr.write('\n');
    program.outputHelp({ error: true });
  }
  // Everything else commander reports (unknown option, missing argument, bad value, no command) is usage.
  return EXIT.USAGE;
}
