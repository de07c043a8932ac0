import { WEBHOOK_SCHEMES, type WebhookScheme } from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { formatAge, table } from '../output.ts';

interface CreateFlags extends ClientFlags {
  user?: string;
  scheme?: WebhookScheme;
}

/** `abca webhooks ...`: signed generic webhooks (admin), see docs/channels.md "Signed webhooks". */
export function registerWebhooks(program: Command, cli: Cli): void {
  const webhooks = program
    .command('webhooks')
    .summary('create, list and delete signed webhooks that create tasks (admin)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ abca webhooks create ci --user ci-bot\n  $ abca webhooks create old-sender --scheme legacy\n  $ abca webhooks list\n  $ abca webhooks delete wh_01J9Z3K8Q2W5V7X1Y4T6R8N0MB\n\nSenders POST a task to /v1/webhooks/{webhook_id}/tasks signed with the secret (docs/channels.md).',
    );

  withClientOptions(
    webhooks
      .command('create')
      .summary('create a webhook; its secret is shown once')
      .argument('<name>', 'a label for the webhook')
      .option('--user <user>', "the user the webhook's tasks are made as (default: you)")
      .option('--scheme <scheme>', `${WEBHOOK_SCHEMES.join(' or ')} (default standard)`, schemeArg),
  ).action(async (name: string, flags: CreateFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const created = await (await ctx.client()).createWebhook({
        name,
        ...(flags.user ? { user_id: flags.user } : {}),
        ...(flags.scheme ? { scheme: flags.scheme } : {}),
      });
      const { out } = ctx;
      if (out.json) {
        out.printJson(created);
        return 0;
      }
      out.err(out.ce.yellow('Store this secret now: it is shown only once and cannot be recovered.'));
      out.out(created.secret);
      out.err(
        out.ce.dim(`webhook ${created.webhook_id} (${created.scheme}), tasks made as ${created.user_id}`),
      );
      out.err(
        out.ce.dim(
          created.scheme === 'standard'
            ? `Send: POST /v1/webhooks/${created.webhook_id}/tasks signed with Standard Webhooks headers.`
            : `Send: POST /v1/webhooks/tasks with X-Webhook-Id: ${created.webhook_id} and X-Webhook-Signature: sha256=<hex>.`,
        ),
      );
      return 0;
    }),
  );

  withClientOptions(webhooks.command('list').summary('list webhooks (never their secrets)')).action(
    async (flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const list = await (await ctx.client()).listWebhooks();
        const { out } = ctx;
        if (out.json) {
          out.printJson(list);
          return 0;
        }
        if (list.length === 0) {
          out.out('No webhooks.');
          return 0;
        }
        const now = Date.now();
        const rows = list.map((w) => [
          w.webhook_id,
          w.name,
          w.user_id,
          w.scheme,
          formatAge(w.created_at, now),
          w.last_used_at ? `${formatAge(w.last_used_at, now)} ago` : 'never',
          w.revoked_at ? out.c.red('revoked') : out.c.green('active'),
        ]);
        for (const line of table(
          ['WEBHOOK ID', 'NAME', 'USER', 'SCHEME', 'AGE', 'LAST USED', 'STATE'],
          rows,
          out.c,
        ))
          out.out(line);
        return 0;
      }),
  );

  withClientOptions(
    webhooks
      .command('delete')
      .summary('revoke a webhook; its deliveries are refused at once')
      .argument('<webhook-id>', 'the webhook id'),
  ).action(async (webhookId: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const revoked = await (await ctx.client()).deleteWebhook(webhookId);
      if (ctx.out.json) ctx.out.printJson(revoked);
      else
        ctx.out.out(
          `Deleted ${revoked.webhook_id} (${revoked.name}): its deliveries are refused from now on.`,
        );
      return 0;
    }),
  );
}

function schemeArg(value: string): WebhookScheme {
  const scheme = WEBHOOK_SCHEMES.find((s) => s === value);
  if (!scheme) throw new InvalidArgumentError(`must be ${WEBHOOK_SCHEMES.join(' or ')}.`);
  return scheme;
}
