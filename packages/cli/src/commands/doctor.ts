import type { Command } from 'commander';
import type { Cli } from '../command-kit.ts';
import { runChecks } from '../doctor/run.ts';
import { EXIT } from '../exit-codes.ts';
import { createOutput } from '../output.ts';
import { resolveUrl } from '../resolve.ts';

interface DoctorFlags {
  url?: string;
  json?: boolean;
}

export function registerDoctor(program: Command, cli: Cli): void {
  program
    .command('doctor')
    .summary('check prerequisites and configuration, and say how to fix each problem')
    .description(
      'Check Node.js, git, PostgreSQL, the sandbox tools (bubblewrap, socat), the model settings, the configuration and the server. Exit 1 if any check fails (warnings do not).',
    )
    .option('--url <url>', 'server URL to check (default: as the client commands resolve it)')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: DoctorFlags) => {
      const out = createOutput({ json: flags.json === true, env: cli.env });
      const url = resolveUrl(flags.url, cli.env);
      const results = await runChecks({ env: cli.env, url: { value: url.value, source: url.source } });
      const ok = !results.some((r) => r.status === 'fail');
      cli.setExitCode(ok ? EXIT.OK : EXIT.FAILURE);
      if (out.json) {
        out.printJson({ ok, checks: results });
        return;
      }
      const { c } = out;
      const mark = { ok: c.green('✓ ok  '), warn: c.yellow('! warn'), fail: c.red('✗ fail') } as const;
      for (const r of results) {
        out.out(`${mark[r.status]}  ${c.bold(r.name)}: ${r.detail}`);
        if (r.fix && r.status !== 'ok') out.out(`        ${c.dim('fix:')} ${r.fix}`);
      }
      const fails = results.filter((r) => r.status === 'fail').length;
      const warns = results.filter((r) => r.status === 'warn').length;
      out.out();
      out.out(
        fails
          ? c.red(
              `${fails} check(s) failed${warns ? `, ${warns} warning(s)` : ''}: fix them and run \`abca doctor\` again.`,
            )
          : c.green(`All required checks passed${warns ? ` (${warns} warning(s))` : ''}.`),
      );
    });
}
