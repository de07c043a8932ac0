import type { CreateRepoRequest, RepoInfo, RepoWriteResponse, UpdateRepoRequest } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import {
  credentialFromFlags,
  credentialText,
  type GitCredentialFlags,
  redactRepo,
  withGitCredentialOptions,
} from '../git-credential-flags.ts';
import type { Output } from '../output.ts';
import { formatAge, table } from '../output.ts';
import {
  clearArg,
  flagOf,
  repoSettingsLines,
  type SettingField,
  type SettingFlags,
  settingsFromFlags,
  withSettingOptions,
} from '../repo-settings.ts';

type Forge = NonNullable<z.input<typeof CreateRepoRequest>['forge']>;
const FORGE_KINDS = ['github', 'git', 'fake'] as const;
type ForgeKind = (typeof FORGE_KINDS)[number];

interface AddFlags extends ClientFlags, SettingFlags, GitCredentialFlags {
  forge?: ForgeKind;
  gitUrl?: string;
  /** False with `--no-verify`: stored without asking the remote. */
  verify?: boolean;
}

interface UpdateFlags extends AddFlags {
  clear?: SettingField[];
}

const EXAMPLES = `
Examples:
  $ abca repos add acme/app --default-branch main --test-command "npm test" --max-concurrency 2
  $ abca repos add tools --git-url https://git.example.com/tools.git
  $ abca repos add offline --git-url https://git.internal/offline.git --no-verify
  $ pass show git/tools | abca repos add tools --git-url https://git.example.com/tools.git --git-token-stdin
  $ abca repos update tools --git-token-env TOOLS_TOKEN --git-username ci-bot
  $ abca repos update tools --remove-git-credential
  $ abca repos update acme/app --validation-mode strict --allow-host registry.npmjs.org --allow-host '*.pypi.org'
  $ abca repos update acme/app --clear model --clear max_budget_usd
  $ abca repos list
  $ abca repos show acme/app
  $ abca repos remove acme/app`;

export function registerRepos(program: Command, cli: Cli): void {
  const repos = program
    .command('repos')
    .summary('onboard and inspect repositories')
    .addHelpText('after', EXAMPLES);

  withClientOptions(
    withGitCredentialOptions(
      withSettingOptions(
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
          .option(
            '--no-verify',
            'store it without checking the remote (reachable, credential, default branch, push)',
          ),
      ),
    ),
  ).action(async (repo: string, flags: AddFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const forge = forgeSpec(repo, flags);
      const credential = await credentialFromFlags(flags, ctx);
      const answer = await (await ctx.client()).addRepo({
        repo,
        ...(forge ? { forge } : {}),
        ...(credential ? { credential } : {}),
        settings: settingsFromFlags(flags),
        ...(flags.verify === false ? { verify: false } : {}),
      });
      const created = redactRepo(answer.data);
      printWarnings(ctx.out, answer);
      if (ctx.out.json) ctx.out.printJson(created);
      else {
        ctx.out.out(`Onboarded ${ctx.out.c.bold(created.repo)}.`);
        if (created.forge.kind === 'git') {
          ctx.out.out(`${ctx.out.c.dim('forge:'.padEnd(12))}${forgeText(created)}`);
          ctx.out.out(`${ctx.out.c.dim('credential:'.padEnd(12))}${credentialText(created)}`);
        }
        const checked = verificationText(answer);
        if (checked) ctx.out.out(`${ctx.out.c.dim('verified:'.padEnd(12))}${checked}`);
        ctx.out.out(ctx.out.c.dim(`Try: abca submit --repo ${created.repo} "..."`));
      }
      return 0;
    }),
  );

  withClientOptions(
    withGitCredentialOptions(
      withSettingOptions(
        repos
          .command('update')
          .summary('change the settings, the forge or the credential of a repository (admin)')
          .description(
            'Change an onboarded repository (PATCH /v1/repos/{repo}): the settings named by flags are set, those named by --clear go back to the platform default, the others stay as they are. A new token replaces the stored one; a --git-url on another host drops it unless a token comes with it.',
          )
          .argument('<repo>', 'owner/name')
          .option('--forge <kind>', 'move it: github, git (with --git-url) or fake', forgeArg)
          .option('--git-url <url>', 'new clone URL of a plain git repository (implies --forge git)')
          .option('--no-verify', 'store a new remote, credential or default branch without checking it'),
      )
        .option(
          '--clear <field>',
          'reset a setting to the platform default, e.g. test_command or max-budget (repeatable)',
          clearArg,
        )
        .option('--remove-git-credential', 'remove the stored token of the repository'),
    ),
  ).action(async (repo: string, flags: UpdateFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const set = settingsFromFlags(flags);
      const cleared = flags.clear ?? [];
      for (const field of cleared) {
        if (set[field] !== undefined)
          throw new CliError(`${flagOf(field)} and --clear ${field} contradict each other.`, EXIT.USAGE);
      }
      const forge = forgeSpec(repo, flags);
      const credential = await credentialFromFlags(flags, ctx);
      if (!forge && credential === undefined && Object.keys(set).length === 0 && cleared.length === 0) {
        throw new CliError('Nothing to change.', EXIT.USAGE, {
          hint: 'Give a setting flag (see `abca repos update --help`), --clear <field>, --git-url / --forge, or a token flag.',
        });
      }
      const settings: NonNullable<UpdateRepoRequest['settings']> = { ...set };
      for (const field of cleared) settings[field] = null;
      const answer = await (await ctx.client()).updateRepo(repo, {
        ...(forge ? { forge } : {}),
        ...(credential !== undefined ? { credential } : {}),
        ...(Object.keys(settings).length ? { settings } : {}),
        ...(flags.verify === false ? { verify: false } : {}),
      });
      const updated = redactRepo(answer.data);
      const { out } = ctx;
      printWarnings(out, answer);
      if (out.json) out.printJson(updated);
      else {
        out.out(`Updated ${out.c.bold(updated.repo)}.`);
        if (forge) out.out(`${out.c.dim('forge:'.padEnd(12))}${forgeText(updated)}`);
        if (forge || credential !== undefined)
          out.out(`${out.c.dim('credential:'.padEnd(12))}${credentialText(updated)}`);
        const checked = verificationText(answer);
        if (checked) out.out(`${out.c.dim('verified:'.padEnd(12))}${checked}`);
        out.out('settings:');
        for (const line of repoSettingsLines(updated.settings, out.c, '  ')) out.out(line);
      }
      return 0;
    }),
  );

  withClientOptions(repos.command('list').summary('list onboarded repositories')).action(
    async (flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const list = (await (await ctx.client()).listRepos()).map(redactRepo);
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
      const info = redactRepo(await (await ctx.client()).getRepo(repo));
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

/** The server's warnings (`NOT_VERIFIED`, `PUSH_NOT_CHECKED`), on stderr so `--json` output stays clean. */
function printWarnings(out: Output, answer: RepoWriteResponse): void {
  for (const w of answer.warnings)
    out.err(`${out.ce.yellow(out.ce.bold(`Warning ${w.code}:`))} ${w.message}`);
}

/** `remote reachable, default branch main (the remote's default), push allowed`; undefined when not checked. */
function verificationText(answer: RepoWriteResponse): string | undefined {
  const v = answer.verification;
  if (!v?.verified) return undefined;
  const branch = `default branch ${v.default_branch}${v.default_branch_discovered ? " (the remote's default)" : ''}`;
  const push = v.push === 'allowed' ? 'push allowed' : 'push not checked';
  return `remote reachable, ${branch}, ${push}`;
}

function printRepo(out: Output, r: RepoInfo): void {
  const row = (k: string, v: string) => out.out(`${out.c.dim(`${k}:`.padEnd(12))}${v}`);
  row('repo', out.c.bold(r.repo));
  row('forge', forgeText(r));
  if (r.forge.kind === 'git') row('credential', credentialText(r));
  row('created', r.created_at);
  row('updated', r.updated_at);
  out.out('settings:');
  for (const line of repoSettingsLines(r.settings, out.c, '  ')) out.out(line);
}

/** The forge in one line; `r` went through {@link redactRepo}. */
function forgeText(r: RepoInfo): string {
  if (r.forge.kind === 'git') return `git ${r.forge.url}`;
  if (r.forge.kind === 'github') return `github ${r.forge.owner_repo}`;
  return r.forge.kind;
}

function forgeArg(value: string): ForgeKind {
  const kind = FORGE_KINDS.find((k) => k === value);
  if (!kind) throw new InvalidArgumentError(`must be ${FORGE_KINDS.join(', ')}.`);
  return kind;
}

/** The forge of `repos add` / `repos update`, or undefined to let the server choose (GitHub for owner/name). */
function forgeSpec(repo: string, flags: Pick<AddFlags, 'forge' | 'gitUrl'>): Forge | undefined {
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
