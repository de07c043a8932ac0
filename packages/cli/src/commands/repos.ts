import type { CreateRepoRequest, RepoInfo } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import type { Output } from '../output.ts';
import { formatAge, table } from '../output.ts';

type Forge = NonNullable<z.input<typeof CreateRepoRequest>['forge']>;
const FORGE_KINDS = ['github', 'git', 'fake'] as const;
type ForgeKind = (typeof FORGE_KINDS)[number];

interface AddFlags extends ClientFlags {
  defaultBranch?: string;
  maxConcurrency?: number;
  forge?: ForgeKind;
  gitUrl?: string;
}

export function registerRepos(program: Command, cli: Cli): void {
  const repos = program
    .command('repos')
    .summary('onboard and inspect repositories')
    .addHelpText(
      'after',
      '\nExamples:\n  $ abca repos add acme/app --default-branch main --max-concurrency 2\n  $ abca repos add tools --git-url https://git.example.com/tools.git\n  $ abca repos list\n  $ abca repos show acme/app\n  $ abca repos remove acme/app',
    );

  withClientOptions(
    repos
      .command('add')
      .summary('onboard a repository (admin)')
      .argument('<repo>', 'owner/name')
      .option(
        '--forge <kind>',
        'where it lives: github (default for owner/name), git (with --git-url), fake (demos, tests)',
        forgeArg,
      )
      .option('--git-url <url>', 'clone URL of a plain git repository (implies --forge git)')
      .option('--default-branch <branch>', 'the branch pull requests target')
      .option(
        '--max-concurrency <n>',
        'tasks running at once on this repo (1-100)',
        intArg(1, Number.MAX_SAFE_INTEGER),
      ),
  ).action(async (repo: string, flags: AddFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const forge = forgeSpec(repo, flags);
      const created = await (await ctx.client()).addRepo({
        repo,
        ...(forge ? { forge } : {}),
        settings: {
          ...(flags.defaultBranch ? { default_branch: flags.defaultBranch } : {}),
          ...(flags.maxConcurrency !== undefined ? { max_concurrency: flags.maxConcurrency } : {}),
        },
      });
      if (ctx.out.json) ctx.out.printJson(created);
      else {
        ctx.out.out(`Onboarded ${ctx.out.c.bold(created.repo)}.`);
        ctx.out.out(ctx.out.c.dim(`Try: abca submit --repo ${created.repo} "..."`));
      }
      return 0;
    }),
  );

  withClientOptions(repos.command('list').summary('list onboarded repositories')).action(
    async (flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const list = await (await ctx.client()).listRepos();
        const { out } = ctx;
        if (out.json) out.printJson(list);
        else if (list.length === 0)
          out.out('No repositories onboarded yet. Add one with: abca repos add owner/name');
        else {
          const now = Date.now();
          const rows = list.map((r) => [
            r.repo,
            String(r.forge.kind ?? '-'),
            r.settings.default_branch ?? '(default)',
            r.settings.max_concurrency !== undefined ? String(r.settings.max_concurrency) : '(default)',
            formatAge(r.created_at, now),
          ]);
          for (const line of table(['REPO', 'FORGE', 'BRANCH', 'CONCURRENCY', 'AGE'], rows, out.c))
            out.out(line);
        }
        return 0;
      }),
  );

  withClientOptions(
    repos.command('show').summary('show one repository').argument('<repo>', 'owner/name'),
  ).action(async (repo: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const info = await (await ctx.client()).getRepo(repo);
      if (ctx.out.json) ctx.out.printJson(info);
      else printRepo(ctx.out, info);
      return 0;
    }),
  );

  withClientOptions(
    repos
      .command('remove')
      .summary('remove an onboarded repository (admin)')
      .argument('<repo>', 'owner/name'),
  ).action(async (repo: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const res = await (await ctx.client()).removeRepo(repo);
      if (ctx.out.json) ctx.out.printJson(res);
      else ctx.out.out(`Removed ${res.repo}.`);
      return 0;
    }),
  );
}

function printRepo(out: Output, r: RepoInfo): void {
  const row = (k: string, v: string) => out.out(`${out.c.dim(`${k}:`.padEnd(16))}${v}`);
  row('repo', out.c.bold(r.repo));
  row('forge', JSON.stringify(r.forge));
  for (const [k, v] of Object.entries(r.settings)) row(k, String(v));
  row('created', r.created_at);
  row('updated', r.updated_at);
}

function forgeArg(value: string): ForgeKind {
  const kind = FORGE_KINDS.find((k) => k === value);
  if (!kind) throw new InvalidArgumentError(`must be ${FORGE_KINDS.join(', ')}.`);
  return kind;
}

/** The forge of `repos add`, or undefined to let the server choose (GitHub for owner/name). */
function forgeSpec(repo: string, flags: AddFlags): Forge | undefined {
  if (flags.gitUrl !== undefined) {
    if (flags.forge !== undefined && flags.forge !== 'git')
      throw new CliError(`--git-url is for --forge git, not --forge ${flags.forge}.`, EXIT.USAGE);
    return { kind: 'git', url: flags.gitUrl };
  }
  if (flags.forge === 'git') throw new CliError('--forge git needs --git-url <clone url>.', EXIT.USAGE);
  if (flags.forge === 'github') return { kind: 'github', owner_repo: repo };
  if (flags.forge === 'fake') return { kind: 'fake' };
  return undefined;
}
