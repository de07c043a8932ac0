import { ROLES, type Role } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { formatAge, table } from '../output.ts';

interface CreateFlags extends ClientFlags {
  user?: string;
  role?: Role;
}

export function registerKeys(program: Command, cli: Cli): void {
  const keys = program
    .command('keys')
    .summary('create, list and revoke API keys')
    .addHelpText(
      'after',
      '\nExamples:\n  $ abca keys create ci-bot --user ci --role member\n  $ abca keys list\n  $ abca keys revoke 01J9Z3K8Q2W5V7X1Y4T6R8N0MB',
    );

  withClientOptions(
    keys
      .command('create')
      .summary('create a key; the secret is shown once')
      .argument('<name>', 'a label for the key')
      .option('--user <user>', 'the user the key acts as (default: a new user named after the key)')
      .option('--role <role>', `${ROLES.join(' or ')} (default member; admin keys need an admin)`, roleArg),
  ).action(async (name: string, flags: CreateFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const created = await (await ctx.client()).createKey({
        name,
        ...(flags.user ? { user_id: flags.user } : {}),
        ...(flags.role ? { role: flags.role } : {}),
      });
      const { out } = ctx;
      if (out.json) {
        out.printJson(created);
        return 0;
      }
      out.err(out.ce.yellow('Store this key now: it is shown only once and cannot be recovered.'));
      out.out(created.key);
      out.err(out.ce.dim(`key id ${created.key_id}, user ${created.user_id}, role ${created.role}`));
      out.err(out.ce.dim('Use it with --api-key or ABCA_API_KEY.'));
      return 0;
    }),
  );

  withClientOptions(keys.command('list').summary('list API keys (an admin sees all)')).action(
    async (flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const list = await (await ctx.client()).listKeys();
        const { out } = ctx;
        if (out.json) {
          out.printJson(list);
          return 0;
        }
        if (list.length === 0) {
          out.out('No API keys.');
          return 0;
        }
        const now = Date.now();
        const rows = list.map((k) => [
          k.key_id,
          k.name,
          k.user_id,
          k.role,
          `${k.prefix}…`,
          formatAge(k.created_at, now),
          k.last_used_at ? `${formatAge(k.last_used_at, now)} ago` : 'never',
          k.revoked_at ? out.c.red('revoked') : out.c.green('active'),
        ]);
        for (const line of table(
          ['KEY ID', 'NAME', 'USER', 'ROLE', 'PREFIX', 'AGE', 'LAST USED', 'STATE'],
          rows,
          out.c,
        ))
          out.out(line);
        return 0;
      }),
  );

  withClientOptions(
    keys
      .command('revoke')
      .summary('revoke a key; it stops working at once')
      .argument('<key-id>', 'the key id'),
  ).action(async (keyId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const revoked = await (await ctx.client()).revokeKey(keyId);
      if (ctx.out.json) ctx.out.printJson(revoked);
      else ctx.out.out(`Revoked ${revoked.key_id} (${revoked.name}, user ${revoked.user_id}).`);
      return 0;
    }),
  );
}

function roleArg(value: string): Role {
  const role = ROLES.find((r) => r === value);
  if (!role) throw new InvalidArgumentError(`must be ${ROLES.join(' or ')}.`);
  return role;
}
