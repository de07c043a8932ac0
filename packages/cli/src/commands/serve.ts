import { join } from 'node:path';
import type { Command } from 'commander';
import { type Cli, intArg } from '../command-kit.ts';
import { createOutput } from '../output.ts';
import { runPlatform } from '../platform-runner.ts';

interface ServeFlags {
  port?: number;
  host?: string;
  apiOnly?: boolean;
}

export function registerServe(program: Command, cli: Cli): void {
  program
    .command('serve')
    .summary('run the API, the workers and the dashboard on this machine')
    .description(
      'Run ABCA on this machine: the HTTP API and the task workers, with an embedded PostgreSQL unless DATABASE_URL is set. On first start it creates an admin API key in the state folder ($ABCA_HOME, default ~/.abca) so the CLI here works with no setup.',
    )
    .option(
      '--port <n>',
      'port to listen on (default ABCA_PORT or 8787; 0 picks a free one)',
      intArg(0, 65535),
    )
    .option('--host <host>', 'address to listen on (default ABCA_HOST or 127.0.0.1)')
    .option('--api-only', 'serve the API without running tasks (workers run elsewhere: `abca worker`)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ abca serve\n  $ ABCA_HOME=/srv/abca abca serve --host 0.0.0.0 --port 8080',
    )
    .action(async (flags: ServeFlags) => {
      const out = createOutput({ json: false, env: cli.env });
      const started = await runPlatform(out, cli.env, {
        mode: 'serve',
        overrides: {
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          ...(flags.host !== undefined ? { host: flags.host } : {}),
        },
        ...(flags.apiOnly ? { apiOnly: true } : {}),
      });
      if ('exitCode' in started) {
        cli.setExitCode(started.exitCode);
        return;
      }
      cli.keepRunning();
      const { platform } = started;
      const { config } = platform;
      const c = out.ce;
      out.err('');
      out.err(
        `${c.green('●')} ${c.bold(`ABCA is running at ${platform.url}`)}${flags.apiOnly ? ' (API only)' : ''}`,
      );
      out.err(`  state folder: ${config.home}`);
      out.err(
        `  admin key:    ${platform.adminKeyFile ?? join(config.home, 'admin.key')} (the CLI here uses it)`,
      );
      out.err(
        `  database:     ${config.databaseUrl ? redact(config.databaseUrl) : embeddedLine(platform.embeddedDataDir ?? join(config.home, 'pg'), config.home)}`,
      );
      out.err(`  executor:     ${platform.executorId}`);
      out.err('');
      out.err(`Try: abca submit --repo <repo> "..."   (onboard it first: abca repos add <owner/name>)`);
      out.err(c.dim('Stop with Ctrl-C.'));
    });
}

/** Where the embedded database is, and why when that is outside the state folder. */
function embeddedLine(dataDir: string, home: string): string {
  if (dataDir.startsWith(`${home}/`)) return `embedded PostgreSQL (data in ${dataDir})`;
  return `embedded PostgreSQL (data in ${dataDir}: outside the state folder, which the postgres user cannot reach; \`abca reset\` removes it too)`;
}

/** The URL without its password, for display. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:****@');
}
