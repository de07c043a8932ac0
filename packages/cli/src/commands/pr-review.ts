import type { PrComment, PrReview, ReviewVerdict } from '@abca/contracts';
import type { Command } from 'commander';
import { type Cli, intArg, runClientCommand, withClientOptions } from '../command-kit.ts';
import type { ClientFlags } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { type Colors, formatAge, type Output } from '../output.ts';

const NUMBER = ['<number>', 'the pull request number', intArg(1, Number.MAX_SAFE_INTEGER)] as const;

interface CommentFlags extends ClientFlags {
  path?: string;
  line?: number;
  replyTo?: number;
}
interface ReviewFlags extends ClientFlags {
  approve?: boolean;
  requestChanges?: boolean;
  comment?: boolean;
  message?: string;
}

/**
 * The review loop of plain-git pull requests (`abca prs comments|comment|resolve|unresolve|
 * reviews|review|merge|close`), on the `prs` command group.
 */
export function registerPrReview(prs: Command, cli: Cli): void {
  withClientOptions(
    prs
      .command('comments')
      .summary("a pull request's comments: review threads (file:line) and its conversation")
      .argument(...NUMBER),
  ).action(async (number: number, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const comments = await (await ctx.client()).listPrComments(number);
      if (ctx.out.json) ctx.out.printJson(comments);
      else printComments(ctx.out, number, comments);
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('comment')
      .summary('comment on a pull request, on a line of its diff, or in a thread')
      .description(
        'Comment on a plain-git pull request. With --path and --line the comment is on that line of the new side of the diff (it opens a review thread); with --reply-to it answers the thread of that comment.',
      )
      .argument(...NUMBER)
      .argument('<text>', 'the comment (quote it)')
      .option('--path <file>', 'the file of the line commented on (with --line)')
      .option('--line <n>', 'the line, in the new version of the file (with --path)', intArg(1, 10_000_000))
      .option('--reply-to <comment-id>', 'answer the thread of this comment', intArg(1, 2_147_483_647)),
  ).action(async (number: number, text: string, flags: CommentFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      if ((flags.path === undefined) !== (flags.line === undefined))
        throw new CliError(
          'Give --path and --line together (a comment on one line of the diff).',
          EXIT.USAGE,
        );
      if (flags.replyTo !== undefined && flags.path !== undefined)
        throw new CliError(
          '--reply-to answers a thread on its own line: leave out --path and --line.',
          EXIT.USAGE,
        );
      const added = await (await ctx.client()).commentPr(number, {
        body: text,
        ...(flags.path !== undefined && flags.line !== undefined
          ? { path: flags.path, line: flags.line }
          : {}),
        ...(flags.replyTo !== undefined ? { in_reply_to: flags.replyTo } : {}),
      });
      if (ctx.out.json) ctx.out.printJson(added);
      else
        ctx.out.out(
          `Commented on #${number}${added.path ? ` at ${added.path}:${added.line}` : ''} (comment ${added.id}${added.in_reply_to ? `, in thread ${added.in_reply_to}` : ''}).`,
        );
      return 0;
    }),
  );

  for (const [name, resolved] of [
    ['resolve', true],
    ['unresolve', false],
  ] as const) {
    withClientOptions(
      prs
        .command(name)
        .summary(resolved ? 'mark a review thread resolved' : 'reopen a resolved review thread')
        .argument(...NUMBER)
        .argument('<comment-id>', 'a comment of the thread', intArg(1, 2_147_483_647)),
    ).action(async (number: number, id: number, flags: ClientFlags) =>
      runClientCommand(cli, flags, async (ctx) => {
        const thread = await (await ctx.client()).resolvePrThread(number, id, resolved);
        if (ctx.out.json) ctx.out.printJson(thread);
        else
          ctx.out.out(
            `Thread ${thread[0]?.id ?? id} on #${number} is ${resolved ? 'resolved' : 'open again'} (${thread.length} comment${thread.length === 1 ? '' : 's'}).`,
          );
        return 0;
      }),
    );
  }

  withClientOptions(
    prs
      .command('reviews')
      .summary("a pull request's reviews, oldest first")
      .argument(...NUMBER),
  ).action(async (number: number, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const reviews = await (await ctx.client()).listPrReviews(number);
      if (ctx.out.json) ctx.out.printJson(reviews);
      else if (reviews.length === 0) ctx.out.out(`#${number} has no reviews yet.`);
      else for (const r of reviews) printReview(ctx.out, r);
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('review')
      .summary('review a pull request: --approve, --request-changes or --comment')
      .argument(...NUMBER)
      .option('--approve', 'approve it')
      .option('--request-changes', 'ask for changes (say which with -m)')
      .option('--comment', 'comment without a verdict (with -m)')
      .option('-m, --message <text>', 'the review body'),
  ).action(async (number: number, flags: ReviewFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const chosen = (
        [
          ['approve', flags.approve],
          ['request_changes', flags.requestChanges],
          ['comment', flags.comment],
        ] as const
      ).filter(([, on]) => on);
      if (chosen.length !== 1)
        throw new CliError('Give exactly one of --approve, --request-changes and --comment.', EXIT.USAGE);
      const verdict = (chosen[0] as readonly [ReviewVerdict, boolean | undefined])[0];
      const review = await (await ctx.client()).reviewPr(number, {
        verdict,
        ...(flags.message !== undefined ? { body: flags.message } : {}),
      });
      if (ctx.out.json) ctx.out.printJson(review);
      else
        ctx.out.out(`Reviewed #${number}: ${verdictText(review.verdict, ctx.out.c)} (review ${review.id}).`);
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('merge')
      .summary('merge a pull request into its base on the remote')
      .description(
        'Merge a plain-git pull request: ABCA makes a merge commit of its base and its branch and pushes the base to the remote (never with force). A conflict changes nothing and names the files (exit 1); the branch is kept on the remote.',
      )
      .argument(...NUMBER),
  ).action(async (number: number, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const res = await (await ctx.client()).mergePr(number);
      if (ctx.out.json) ctx.out.printJson(res);
      else
        ctx.out.out(
          res.already_merged
            ? `#${number} was already in ${res.pr.base} (${res.merge_commit.slice(0, 10)}); marked merged.`
            : `Merged #${number} into ${res.pr.base}: ${res.merge_commit.slice(0, 10)}.`,
        );
      return 0;
    }),
  );

  withClientOptions(
    prs
      .command('close')
      .summary('close a pull request without merging (its branch stays on the remote)')
      .argument(...NUMBER),
  ).action(async (number: number, flags: ClientFlags) =>
    runClientCommand(cli, flags, async (ctx) => {
      const pr = await (await ctx.client()).closePr(number);
      if (ctx.out.json) ctx.out.printJson(pr);
      else ctx.out.out(`Closed #${number} (${pr.branch} is kept on the remote).`);
      return 0;
    }),
  );
}

/** Threads first (each under its file:line, replies indented), then the conversation. */
function printComments(out: Output, number: number, comments: PrComment[]): void {
  const { c } = out;
  if (comments.length === 0) {
    out.out(`#${number} has no comments yet.`);
    return;
  }
  const now = Date.now();
  const line = (x: PrComment, indent: string) =>
    out.out(
      `${indent}${c.dim(`[${x.id}]`)} ${c.bold(plain(x.author))} ${c.dim(`${formatAge(x.created_at, now)} ago`)}: ${plain(x.body.replace(/\s*\n\s*/g, ' '))}`,
    );
  const roots = comments.filter((x) => x.path !== null && x.in_reply_to === null);
  for (const root of roots) {
    out.out(
      `${c.yellow(`${plain(root.path ?? '')}:${root.line}`)} ${root.resolved ? c.dim('(resolved)') : c.green('(open)')}`,
    );
    line(root, '  ');
    for (const reply of comments.filter((x) => x.in_reply_to === root.id)) line(reply, '    ');
  }
  const conversation = comments.filter((x) => x.path === null && x.in_reply_to === null);
  if (conversation.length > 0) {
    if (roots.length > 0) out.out();
    out.out(c.bold('Conversation'));
    for (const x of conversation) line(x, '  ');
  }
}

function printReview(out: Output, r: PrReview): void {
  const { c } = out;
  out.out(
    `${c.dim(`[${r.id}]`)} ${c.bold(plain(r.author))} ${verdictText(r.verdict, c)} ${c.dim(r.created_at)}`,
  );
  if (r.body.trim() !== '') out.out(`  ${plain(r.body.trimEnd()).replace(/\n/g, '\n  ')}`);
}

function verdictText(v: ReviewVerdict, c: Colors): string {
  if (v === 'approve') return c.green('approved');
  if (v === 'request_changes') return c.red('changes requested');
  return c.cyan('commented');
}

/**
 * Comments are other people's text: control characters (terminal escapes) are shown as `?`, so a
 * comment cannot move the cursor, recolour or retitle the reader's terminal. Newlines stay.
 */
export function plain(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out += (code < 0x20 && ch !== '\n') || (code >= 0x7f && code <= 0x9f) ? '?' : ch;
  }
  return out;
}
