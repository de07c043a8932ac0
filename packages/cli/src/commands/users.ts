import type { IdentityProvider, LinkedIdentity } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatAge, table } from '../output.ts';

interface IdentityFlags extends ClientFlags {
  github?: string;
  slack?: string;
}

/** The one identity named by `--github` or `--slack` (exactly one of them). */
function identityOf(flags: IdentityFlags): { provider: IdentityProvider; externalId: string } {
  const given = [
    ...(flags.github !== undefined ? [{ provider: 'github' as const, externalId: flags.github }] : []),
    ...(flags.slack !== undefined ? [{ provider: 'slack' as const, externalId: flags.slack }] : []),
  ];
  const [one] = given;
  if (given.length !== 1 || !one) {
    throw new CliError('Name one identity: --github <login> or --slack <team id>:<user id>.', EXIT.USAGE);
  }
  return one;
}

function withIdentityFlags(cmd: Command): Command {
  return cmd
    .option('--github <login>', 'a GitHub login, such as octocat')
    .option('--slack <team:user>', 'a Slack user as <team id>:<user id>, such as T0001:U0002');
}

export function registerUsers(program: Command, cli: Cli): void {
  const users = program
    .command('users')
    .summary('link GitHub and Slack identities to ABCA users')
    .addHelpText(
      'after',
      '\nA task asked for on GitHub or Slack is made as the ABCA user its sender is linked to, so the\n' +
        "user's caps, budget and tasks hold across channels. An admin links anyone; a member links themself.\n" +
        '\nExamples:\n  $ abca users link alice --github octocat\n  $ abca users link alice --slack T0001:U0002\n' +
        '  $ abca users identities alice\n  $ abca users unlink alice --github octocat',
    );

  withClientOptions(
    withIdentityFlags(
      users
        .command('link')
        .summary('link a GitHub login or a Slack user to a user')
        .argument('<user>', 'the ABCA user id'),
    ),
  ).action(async (user: string, flags: IdentityFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const { provider, externalId } = identityOf(flags);
      const linked = await (await ctx.client()).linkIdentity(user, provider, externalId);
      if (ctx.out.json) ctx.out.printJson(linked);
      else ctx.out.out(`Linked ${describe(linked)} to user ${linked.user_id}.`);
      return 0;
    }),
  );

  withClientOptions(
    withIdentityFlags(
      users
        .command('unlink')
        .summary('unlink a GitHub login or a Slack user from a user')
        .argument('<user>', 'the ABCA user id'),
    ),
  ).action(async (user: string, flags: IdentityFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const { provider, externalId } = identityOf(flags);
      const unlinked = await (await ctx.client()).unlinkIdentity(user, provider, externalId);
      if (ctx.out.json) ctx.out.printJson(unlinked);
      else ctx.out.out(`Unlinked ${describe(unlinked)} from user ${unlinked.user_id}.`);
      return 0;
    }),
  );

  withClientOptions(
    users.command('identities').summary("a user's linked identities").argument('<user>', 'the ABCA user id'),
  ).action(async (user: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const list = await (await ctx.client()).listIdentities(user);
      const { out } = ctx;
      if (out.json) {
        out.printJson(list);
        return 0;
      }
      if (list.length === 0) {
        out.out(`User ${user} has no linked identities (abca users link ${user} --github <login>).`);
        return 0;
      }
      const now = Date.now();
      for (const line of table(
        ['PROVIDER', 'IDENTITY', 'LINKED'],
        list.map((i) => [i.provider, i.external_id, `${formatAge(i.created_at, now)} ago`]),
        out.c,
      ))
        out.out(line);
      return 0;
    }),
  );
}

function describe(i: LinkedIdentity): string {
  return i.provider === 'github' ? `GitHub login ${i.external_id}` : `Slack user ${i.external_id}`;
}
