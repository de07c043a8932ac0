import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Cli } from '../command-kit.ts';
import type { CheckResult } from '../doctor/check.ts';
import { runChecks } from '../doctor/run.ts';
import { EXIT } from '../exit-codes.ts';
import { createOutput, type Output } from '../output.ts';
import { resolveKey, resolveUrl } from '../resolve.ts';

interface DoctorFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export function registerDoctor(program: Command, cli: Cli): void {
  program
    .command('doctor')
    .summary('check this machine and the server, and say how to fix each problem')
    .description(
      'Check this machine (Node.js, git, the sandbox tools) and ask the server for its own configuration, sandbox and model (a one-token request); with no server answering, check the configuration, PostgreSQL and model settings `abca serve` would use here. Exit 1 if any check fails (warnings do not).',
    )
    .option('--url <url>', 'server URL to check (default: as the client commands resolve it)')
    .option('--api-key <key>', 'admin API key (default: ABCA_API_KEY, then $ABCA_HOME/admin.key)')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: DoctorFlags) => {
      const out = createOutput({ json: flags.json === true, env: cli.env });
      const url = resolveUrl(flags.url, cli.env);
      const key = resolveKey(flags.apiKey, cli.env);
      const results = await runChecks({
        env: cli.env,
        url: { value: url.value, source: url.source },
        apiKey: key?.value,
      });
      const ok = !results.some((r) => r.status === 'fail');
      cli.setExitCode(ok ? EXIT.OK : EXIT.FAILURE);
      if (out.json) {
        out.printJson({ ok, checks: results });
        return;
      }
      printSection(
        out,
        `This machine (${hostname()}):`,
        results.filter((r) => r.where !== 'server'),
      );
      printSection(
        out,
        `Server at ${url.value}:`,
        results.filter((r) => r.where === 'server'),
      );
      const { c } = out;
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

function printSection(out: Output, title: string, results: CheckResult[]): void {
  if (results.length === 0) return;
  const { c } = out;
  const mark = { ok: c.green('✓ ok  '), warn: c.yellow('! warn'), fail: c.red('✗ fail') } as const;
  out.out(c.bold(title));
  for (const r of results) {
    out.out(`  ${mark[r.status]}  ${c.bold(r.name)}: ${r.detail}`);
    if (r.fix && r.status !== 'ok') out.out(`          ${c.dim('fix:')} ${r.fix}`);
  }
}
