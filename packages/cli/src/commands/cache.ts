import type { EnvCacheEntry } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, runClientCommand, withClientOptions } from '../command-kit.ts';
import { confirm } from '../confirm.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { type Colors, formatAge, formatBytes, table } from '../output.ts';

interface ListFlags extends ClientFlags {
  repo?: string;
}

interface ClearFlags extends ListFlags {
  yes?: boolean;
}

/** `abca cache list|clear`: the environment cache's snapshots on the server's host (admin), docs/env-cache.md. */
export function registerCache(program: Command, cli: Cli): void {
  const cache = program
    .command('cache')
    .summary("list and clear the environment cache: what repos' setup commands produced (admin)")
    .addHelpText(
      'after',
      "\nAfter a repo's setup command succeeds, what it produced (dependencies, build caches) is kept and\n" +
        'given to the next task whose key (repo, setup command, sandbox, lockfiles) matches, so setup\n' +
        'runs once. Clearing makes the next task on each repo run its setup again.\n' +
        '\nExamples:\n  $ abca cache list\n  $ abca cache list --repo acme/app --json\n' +
        '  $ abca cache clear --repo acme/app\n  $ abca cache clear --yes          # every repo, without asking',
    );

  withClientOptions(
    cache
      .command('list')
      .summary('the snapshots, most recently used first, and their total beside the cap')
      .option('--repo <repo>', "only this repo's snapshots"),
  ).action(async (flags: ListFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const list = await (await ctx.client()).listEnvCache(flags.repo ? { repo: flags.repo } : {});
      const { out } = ctx;
      if (out.json) {
        out.printJson(list);
        return 0;
      }
      if (!list.enabled)
        out.err(out.ce.yellow('The environment cache is off on this server (ABCA_ENV_CACHE).'));
      if (list.entries.length === 0) {
        out.out(flags.repo ? `No snapshots of ${flags.repo}.` : 'No snapshots.');
      } else {
        for (const line of table(HEADERS, rows(list.entries, out.c), out.c)) out.out(line);
      }
      out.out(
        `${plural(list.entries.length, 'snapshot')}, ${formatBytes(list.total_bytes)} of a ${formatBytes(list.max_bytes)} cap (least recently used go first).`,
      );
      return 0;
    }),
  );

  withClientOptions(
    cache
      .command('clear')
      .summary('remove the snapshots (of one repo, or all): the next tasks run setup again')
      .option('--repo <repo>', "only this repo's snapshots")
      .option('-y, --yes', 'do not ask for confirmation (scripts)'),
  ).action(async (flags: ClearFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const client = await ctx.client();
      const filter = flags.repo ? { repo: flags.repo } : {};
      const { out } = ctx;
      const of = flags.repo ? `of ${flags.repo}` : 'of every repo';
      if (!flags.yes) {
        const list = await client.listEnvCache(filter);
        if (list.entries.length === 0) {
          if (out.json) out.printJson({ removed: 0, bytes: 0 });
          else out.out(`Nothing to clear: no snapshots ${of}.`);
          return 0;
        }
        if (!process.stdin.isTTY) {
          throw new CliError(
            `Not clearing ${plural(list.entries.length, 'snapshot')} ${of} without a confirmation.`,
            EXIT.USAGE,
            { hint: 'Pass --yes to clear without asking (scripts), or run it in a terminal.' },
          );
        }
        out.err(
          `This removes ${plural(list.entries.length, 'snapshot')} ${of} (${formatBytes(list.total_bytes)}); the next task on each repo runs its setup again.`,
        );
        if (!(await confirm('Type "yes" to clear them: '))) {
          out.err('Nothing was removed (no "yes"). Pass --yes to skip the question in scripts.');
          return EXIT.USAGE;
        }
      }
      const cleared = await client.clearEnvCache(filter);
      if (out.json) out.printJson(cleared);
      else
        out.out(
          cleared.removed === 0
            ? `Nothing to clear: no snapshots ${of}.`
            : `Removed ${plural(cleared.removed, 'snapshot')} ${of} (${formatBytes(cleared.bytes)}): the next task on ${flags.repo ?? 'each repo'} runs its setup again.`,
        );
      return 0;
    }),
  );
}

const HEADERS = ['REPO', 'KEY', 'SIZE', 'FILES', 'HITS', 'LAST USED', 'BASE', 'SETUP'];

function rows(entries: EnvCacheEntry[], c: Colors): string[][] {
  const now = Date.now();
  return entries.map((e) => [
    e.repo,
    e.key.slice(0, 12),
    formatBytes(e.bytes),
    String(e.files),
    String(e.hits),
    `${formatAge(e.last_used_at, now)} ago`,
    e.base_commit.slice(0, 10),
    c.dim(oneLine(e.setup_command)),
  ]);
}

/** The setup command on one line, at most 40 characters, without control characters (it is repo input). */
function oneLine(command: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const flat = command.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length <= 40 ? flat : `${flat.slice(0, 39)}…`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
