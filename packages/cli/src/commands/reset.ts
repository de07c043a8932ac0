import { resetStateFolder, stateFolderTraces } from '@abca/server/state-folder';
import type { Command } from 'commander';
import type { Cli } from '../command-kit.ts';
import { confirm } from '../confirm.ts';
import { EXIT } from '../exit-codes.ts';
import { createOutput } from '../output.ts';
import { abcaHome } from '../resolve.ts';

interface ResetFlags {
  yes?: boolean;
}

export function registerReset(program: Command, cli: Cli): void {
  program
    .command('reset')
    .summary('remove every trace of the state folder (database, keys, workspaces)')
    .description(
      'Delete the state folder ($ABCA_HOME, default ~/.abca) and everything of it kept elsewhere (the embedded database, when it had to live outside the folder). Asks for confirmation; refuses while a server or worker uses the folder. Tasks, repos, keys and stored credentials are lost.',
    )
    .option('-y, --yes', 'do not ask for confirmation (scripts)')
    .addHelpText('after', '\nExamples:\n  $ abca reset\n  $ ABCA_HOME=/srv/abca-test abca reset --yes')
    .action(async (flags: ResetFlags) => {
      const out = createOutput({ json: false, env: cli.env });
      const c = out.ce;
      const home = abcaHome(cli.env);
      const traces = stateFolderTraces(home);
      if (traces.paths.length === 0) {
        out.err(`Nothing to remove: ${home} does not exist.`);
        return;
      }
      const first = traces.running[0];
      if (first) {
        out.err(c.red(c.bold(`Refusing to reset ${home}: ${first.what} is running (pid ${first.pid}).`)));
        out.err(
          `${c.bold('fix:')} stop it first (Ctrl-C, or kill -TERM ${first.pid}), then run \`abca reset\` again.`,
        );
        cli.setExitCode(EXIT.FAILURE);
        return;
      }
      out.err('This removes, for good:');
      for (const path of traces.paths) out.err(`  ${path}`);
      if (
        !flags.yes &&
        !(await confirm(`Type "yes" to remove ${traces.paths.length === 1 ? 'it' : 'them'}: `))
      ) {
        out.err('Nothing was removed (no "yes"). Pass --yes to skip the question in scripts.');
        cli.setExitCode(EXIT.USAGE);
        return;
      }
      const removed = await resetStateFolder(home);
      out.err(`${c.green('●')} Removed ${removed.join(', ')}.`);
    });
}
