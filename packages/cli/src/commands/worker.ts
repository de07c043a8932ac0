import type { Command } from 'commander';
import type { Cli } from '../command-kit.ts';
import { createOutput } from '../output.ts';
import { runPlatform } from '../platform-runner.ts';
import { redact } from './serve.ts';

export function registerWorker(program: Command, cli: Cli): void {
  program
    .command('worker')
    .summary('run task workers only (scale-out: point DATABASE_URL at the shared PostgreSQL)')
    .description(
      'Run task workers without the API. Start as many as you like, on this machine or others, all with the same DATABASE_URL as the server.',
    )
    .addHelpText('after', '\nExample:\n  $ DATABASE_URL=postgres://abca:secret@db:5432/abca abca worker')
    .action(async () => {
      const out = createOutput({ json: false, env: cli.env });
      const started = await runPlatform(out, cli.env, { mode: 'worker' });
      if ('exitCode' in started) {
        cli.setExitCode(started.exitCode);
        return;
      }
      cli.keepRunning();
      const { platform } = started;
      out.err(`${out.ce.green('●')} ${out.ce.bold(`ABCA worker ${platform.executorId} is running`)}`);
      out.err(`  state folder: ${platform.config.home}`);
      out.err(
        `  database:     ${platform.config.databaseUrl ? redact(platform.config.databaseUrl) : 'embedded PostgreSQL'}`,
      );
      out.err(out.ce.dim('Stop with Ctrl-C.'));
    });
}
