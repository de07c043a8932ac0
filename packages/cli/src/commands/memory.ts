import { readFile } from 'node:fs/promises';
import {
  MEMORY_KINDS,
  type MemoryCitation,
  type MemoryKind,
  type MemoryRecord,
  REVIEW_CATEGORIES,
  type ReviewCategory,
} from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatAge, type Output, table, truncate } from '../output.ts';
import { plain } from './pr-review.ts';

interface ListFlags extends ClientFlags {
  kind?: MemoryKind;
  search?: string;
  limit?: number;
  nextToken?: string;
}
interface AddFlags extends ClientFlags {
  kind: MemoryKind;
  title: string;
  body: string;
  category?: ReviewCategory;
  cite: MemoryCitation[];
  user?: string;
  pin?: boolean;
}
interface EditFlags extends ClientFlags {
  title?: string;
  body?: string;
  category?: ReviewCategory;
  cite: MemoryCitation[];
}

const EXAMPLES = `
A repo's memory is what ABCA learned from earlier tasks and reviews (docs/memory.md). Everyone
reads it; admins change it; a member adds and forgets their own user_preference records.

Examples:
  $ abca memory list acme/app --kind review_rule
  $ abca memory list acme/app --search logger
  $ abca memory show acme/app mem_01J9Z3K8Q2W5V7X1Y4T6R8N0MB
  $ abca memory add acme/app --kind review_rule --title "Use the repo logger" \\
      --body "Log with src/log.ts, never console.log." --cite src/log.ts:12 --pin
  $ abca memory edit acme/app mem_01J9Z3K8Q2W5V7X1Y4T6R8N0MB --body "Log with src/log.ts."
  $ abca memory forget acme/app mem_01J9Z3K8Q2W5V7X1Y4T6R8N0MB
  $ abca memory export acme/app > acme-app-memory.jsonl
  $ abca memory import acme/fork acme-app-memory.jsonl`;

/** `abca memory ...`: inspect, edit and delete a repo's memory; export and import it as JSON lines. */
export function registerMemory(program: Command, cli: Cli): void {
  const memory = program
    .command('memory')
    .summary("a repo's memory: list, show, add, edit, forget, pin, export, import")
    .addHelpText('after', EXAMPLES);

  withClientOptions(
    memory
      .command('list')
      .summary("list a repo's memory records, newest first")
      .argument('<repo>', 'the repository (owner/name or name)')
      .option('--kind <kind>', MEMORY_KINDS.join(', '), kindArg)
      .option('--search <words>', 'only records matching these words (title, body, cited paths)')
      .option('--limit <n>', 'how many (1-200, default 50)', intArg(1, 200))
      .option('--next-token <token>', 'the next page (printed under a full page)'),
  ).action(async (repo: string, flags: ListFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const page = await (await ctx.client()).listMemory(repo, {
        ...(flags.kind ? { kind: flags.kind } : {}),
        ...(flags.search ? { q: flags.search } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        ...(flags.nextToken ? { next_token: flags.nextToken } : {}),
      });
      const { out } = ctx;
      if (out.json) {
        out.printJson(page.data);
        return 0;
      }
      if (page.data.length === 0) {
        out.out(
          flags.kind || flags.search ? 'No memory records match.' : `${repo} has no memory records yet.`,
        );
        return 0;
      }
      const now = Date.now();
      const rows = page.data.map((r) => [
        r.id,
        r.kind,
        truncate(oneLine(r.title), 60),
        String(r.use_count),
        r.pinned ? out.c.green('pinned') : '',
        formatAge(r.created_at, now),
      ]);
      for (const line of table(['ID', 'KIND', 'TITLE', 'USES', 'PINNED', 'AGE'], rows, out.c)) out.out(line);
      if (page.pagination.has_more && page.pagination.next_token)
        out.err(out.ce.dim(`More: abca memory list ${repo} --next-token ${page.pagination.next_token}`));
      return 0;
    }),
  );

  withClientOptions(
    memory
      .command('show')
      .summary('one record: its text, citations and provenance')
      .argument('<repo>', 'the repository')
      .argument('<id>', 'the record id (mem_...)'),
  ).action(async (repo: string, id: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const rec = await (await ctx.client()).getMemory(repo, id);
      if (ctx.out.json) ctx.out.printJson(rec);
      else printRecord(ctx.out, rec);
      return 0;
    }),
  );

  withClientOptions(
    memory
      .command('add')
      .summary('add a record by hand (admin; a member: their own user_preference)')
      .argument('<repo>', 'the repository')
      .requiredOption('--kind <kind>', 'repo_knowledge, review_rule or user_preference', kindArg)
      .requiredOption('--title <title>', 'one line: what the record is about')
      .requiredOption('--body <body>', 'the record itself (a rule, a fact, a preference)')
      .option('--category <category>', `for a review_rule: ${REVIEW_CATEGORIES.join(', ')}`, categoryArg)
      .option('--cite <path[:line]>', 'a file the record is about (repeatable)', collectCitation, [])
      .option('--user <user>', 'for a user_preference: whose (default: you)')
      .option('--pin', 'keep it whatever its age'),
  ).action(async (repo: string, flags: AddFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const rec = await (await ctx.client()).addMemory(repo, {
        kind: flags.kind,
        title: flags.title,
        body: flags.body,
        citations: flags.cite,
        ...(flags.category ? { category: flags.category } : {}),
        ...(flags.user ? { user_id: flags.user } : {}),
        ...(flags.pin ? { pinned: true } : {}),
      });
      if (ctx.out.json) ctx.out.printJson(rec);
      else ctx.out.out(`Added ${rec.id} (${rec.kind}${rec.pinned ? ', pinned' : ''}): ${oneLine(rec.title)}`);
      return 0;
    }),
  );

  withClientOptions(
    memory
      .command('edit')
      .summary("change a record's title, body, category or citations (admin)")
      .argument('<repo>', 'the repository')
      .argument('<id>', 'the record id')
      .option('--title <title>', 'a new title')
      .option('--body <body>', 'a new body')
      .option('--category <category>', REVIEW_CATEGORIES.join(', '), categoryArg)
      .option('--cite <path[:line]>', 'replaces the citations (repeatable)', collectCitation, []),
  ).action(async (repo: string, id: string, flags: EditFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const patch = {
        ...(flags.title !== undefined ? { title: flags.title } : {}),
        ...(flags.body !== undefined ? { body: flags.body } : {}),
        ...(flags.category ? { category: flags.category } : {}),
        ...(flags.cite.length > 0 ? { citations: flags.cite } : {}),
      };
      if (Object.keys(patch).length === 0)
        throw new CliError('Nothing to change: give --title, --body, --category or --cite.', EXIT.USAGE);
      const rec = await (await ctx.client()).editMemory(repo, id, patch);
      if (ctx.out.json) ctx.out.printJson(rec);
      else ctx.out.out(`Edited ${rec.id}: ${oneLine(rec.title)}`);
      return 0;
    }),
  );

  withClientOptions(
    memory
      .command('forget')
      .summary('delete a record (admin; a member: their own user_preference)')
      .argument('<repo>', 'the repository')
      .argument('<id>', 'the record id'),
  ).action(async (repo: string, id: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const gone = await (await ctx.client()).forgetMemory(repo, id);
      if (ctx.out.json) ctx.out.printJson(gone);
      else ctx.out.out(`Forgot ${gone.id}: no later task will see it.`);
      return 0;
    }),
  );

  for (const [action, pinned] of [
    ['pin', true],
    ['unpin', false],
  ] as const) {
    withClientOptions(
      memory
        .command(action)
        .summary(
          pinned ? 'keep a record whatever its age (admin)' : 'let an unused record fade again (admin)',
        )
        .argument('<repo>', 'the repository')
        .argument('<id>', 'the record id'),
    ).action(async (repo: string, id: string, flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const rec = await (await ctx.client()).pinMemory(repo, id, pinned);
        if (ctx.out.json) ctx.out.printJson(rec);
        else ctx.out.out(`${pinned ? 'Pinned' : 'Unpinned'} ${rec.id}: ${oneLine(rec.title)}`);
        return 0;
      }),
    );
  }

  withClientOptions(
    memory
      .command('export')
      .summary("print a repo's memory as JSON lines (one record a line)")
      .argument('<repo>', 'the repository'),
  ).action(async (repo: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const text = await (await ctx.client()).exportMemory(repo);
      // JSON lines already (control characters are escaped by JSON): --json changes nothing.
      for (const line of text.split('\n')) if (line !== '') ctx.out.out(line);
      return 0;
    }),
  );

  withClientOptions(
    memory
      .command('import')
      .summary('add the records of a JSON-lines file (admin); a bad line stores nothing')
      .argument('<repo>', 'the repository')
      .argument('<file>', 'a file `abca memory export` wrote (or - for stdin)'),
  ).action(async (repo: string, file: string, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const text = await readLines(file);
      const result = await (await ctx.client()).importMemory(repo, text);
      if (ctx.out.json) ctx.out.printJson(result);
      else
        ctx.out.out(
          `Imported ${result.added} of ${result.lines} records into ${repo}${result.skipped ? ` (${result.skipped} already there)` : ''}.`,
        );
      return 0;
    }),
  );
}

function printRecord(out: Output, r: MemoryRecord): void {
  const { c } = out;
  const now = Date.now();
  out.out(
    `${c.bold(r.id)} ${r.kind}${r.category ? ` (${r.category})` : ''}${r.pinned ? ` ${c.green('pinned')}` : ''}`,
  );
  out.out(`${c.bold('Title')}    ${oneLine(r.title)}`);
  out.out(c.bold('Body'));
  out.out(`  ${plain(r.body.trimEnd()).replace(/\n/g, '\n  ')}`);
  if (r.citations.length > 0) {
    out.out(c.bold('Cites'));
    for (const cite of r.citations) out.out(`  ${citationText(cite)}`);
  }
  const p = r.provenance;
  const from = [
    p.source,
    p.by ? `by ${plain(p.by)}` : '',
    p.task_id ? `task ${plain(p.task_id)}` : '',
    p.model ? `model ${plain(p.model)}` : '',
  ].filter(Boolean);
  out.out(`${c.bold('From')}     ${from.join(', ')}`);
  if (r.user_id) out.out(`${c.bold('User')}     ${plain(r.user_id)}`);
  out.out(
    `${c.bold('Used')}     ${r.use_count} time(s)${r.last_used_at ? `, last ${formatAge(r.last_used_at, now)} ago` : ''}`,
  );
  out.out(
    `${c.bold('Created')}  ${r.created_at} (${formatAge(r.created_at, now)} ago), updated ${r.updated_at}`,
  );
  if (r.superseded_by) out.out(c.yellow(`Superseded by ${r.superseded_by}: no longer retrieved.`));
}

function citationText(cite: MemoryCitation): string {
  if (cite.kind === 'file') return `${plain(cite.path)}${cite.line ? `:${cite.line}` : ''}`;
  if (cite.kind === 'task') return `task ${plain(cite.task_id)}`;
  return `PR #${cite.pr} comment ${plain(cite.comment_id)} by ${plain(cite.author)}: "${oneLine(cite.quote)}"`;
}

/** Someone else's text on one line, control characters shown as `?`. */
function oneLine(s: string): string {
  return plain(s.replace(/\s*\n\s*/g, ' '));
}

async function readLines(file: string): Promise<string> {
  try {
    return file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      EXIT.USAGE,
      {
        hint: 'Give a file `abca memory export <repo> > file` wrote, or - to read stdin.',
      },
    );
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function kindArg(value: string): MemoryKind {
  const kind = MEMORY_KINDS.find((k) => k === value);
  if (!kind) throw new InvalidArgumentError(`must be one of ${MEMORY_KINDS.join(', ')}.`);
  return kind;
}

function categoryArg(value: string): ReviewCategory {
  const category = REVIEW_CATEGORIES.find((k) => k === value);
  if (!category) throw new InvalidArgumentError(`must be one of ${REVIEW_CATEGORIES.join(', ')}.`);
  return category;
}

/** `--cite src/app.ts:40` (or `src/app.ts`), repeatable. */
function collectCitation(value: string, previous: MemoryCitation[]): MemoryCitation[] {
  const m = /^(.+?):(\d+)$/.exec(value.trim());
  const path = (m ? m[1] : value.trim()) ?? '';
  const line = m ? Number(m[2]) : undefined;
  if (path === '' || (line !== undefined && (line < 1 || !Number.isSafeInteger(line))))
    throw new InvalidArgumentError('must be a file path, optionally with :line (src/app.ts:40).');
  return [...previous, { kind: 'file', path, ...(line !== undefined ? { line } : {}) }];
}
