import { type PrComment, PrCommentRequest, type PrReview, PrReviewRequest } from '@abca/contracts';
import { Hono } from 'hono';
import { z } from 'zod';
import { inDiff, newSideLines } from '../../git/diff-lines.ts';
import { AppError } from '../../ops/errors.ts';
import { ForgeError } from '../../ports/forge.ts';
import { nudgeWatch } from '../../pr-loop/watch-store.ts';
import {
  addChangeRequestComment,
  type ChangeRequest,
  type ChangeRequestComment,
  type ChangeRequestReview,
  changeRequestView,
  endChangeRequest,
  getChangeRequestComment,
  insertChangeRequestReview,
  listChangeRequestComments,
  listChangeRequestReviews,
  setChangeRequestThreadResolved,
} from '../../store/change-requests.ts';
import type { ApiDeps, AppEnv } from '../deps.ts';
import { INT32_MAX, readBody, readParam } from '../validate.ts';
import { loadOwnedChangeRequest, requireOpen } from './owned-change-request.ts';

const Number_ = z.coerce.number().int().positive().max(INT32_MAX);

/**
 * The review loop of plain-git pull requests, for people (`/v1/prs/{number}/...`): comments (on a
 * line of the diff, in a thread, resolved or not), reviews with a verdict, merge and close. Who may:
 * as `GET /v1/prs/{number}` (owned-change-request.ts). Authors are the caller's user id.
 */
export function prLoopRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  /**
   * What people do on a PR is what the PR watcher acts on: its watch is polled now, not at its
   * next interval. Best effort: the poll comes anyway.
   */
  const nudge = (cr: ChangeRequest) =>
    nudgeWatch(deps.db, cr.repo, cr.number).catch((err: unknown) => {
      deps.log.warn({ err, number: cr.number }, 'could not nudge the PR watcher');
    });
  const load = (c: { get(k: 'principal'): AppEnv['Variables']['principal'] }, raw: string | undefined) =>
    loadOwnedChangeRequest(deps.db, c.get('principal'), readParam(raw, Number_, 'number'));

  app.get('/:number/comments', async (c) => {
    const { cr } = await load(c, c.req.param('number'));
    return c.json({ data: (await listChangeRequestComments(deps.db, cr.number)).map(commentView) });
  });

  app.post('/:number/comments', async (c) => {
    const { cr } = await load(c, c.req.param('number'));
    const req = await readBody(c, PrCommentRequest);
    requireOpen(cr, 'comments');
    let root: ChangeRequestComment | undefined;
    if (req.in_reply_to !== undefined) {
      if (req.path !== undefined)
        throw fieldError('path', 'a reply is on the line of the thread it answers: leave path and line out');
      root = await getChangeRequestComment(deps.db, cr.number, req.in_reply_to);
      // A reply to a reply answers the thread that one is in.
      if (root && root.inReplyTo !== null)
        root = await getChangeRequestComment(deps.db, cr.number, root.inReplyTo);
      if (!root)
        throw new AppError('NOT_FOUND', `Pull request ${cr.number} has no comment ${req.in_reply_to}.`);
      if (root.path === null)
        throw fieldError(
          'in_reply_to',
          `comment ${root.id} is not on a line: threads are opened by line comments; comment without in_reply_to to answer the conversation`,
        );
    } else if (req.path !== undefined && req.line !== undefined) checkLine(cr, req.path, req.line, '');
    const added = await addChangeRequestComment(deps.db, {
      number: cr.number,
      author: c.get('principal').userId,
      body: req.body,
      ...(req.path !== undefined && req.line !== undefined ? { path: req.path, line: req.line } : {}),
      ...(root ? { inReplyTo: root.id } : {}),
    });
    if (!added) throw new Error(`comment on change request ${cr.number} was not stored`);
    await nudge(cr);
    return c.json({ data: commentView(added) }, 201);
  });

  for (const [action, resolved] of [
    ['resolve', true],
    ['unresolve', false],
  ] as const) {
    app.post(`/:number/comments/:id/${action}`, async (c) => {
      const { cr } = await load(c, c.req.param('number'));
      const id = readParam(c.req.param('id'), Number_, 'id');
      const root = await getChangeRequestComment(deps.db, cr.number, id);
      if (!root || root.path === null)
        throw new AppError('NOT_FOUND', `Pull request ${cr.number} has no review thread ${id}.`);
      const rootId = root.inReplyTo ?? root.id;
      await setChangeRequestThreadResolved(deps.db, cr.number, rootId, resolved);
      const thread = (await listChangeRequestComments(deps.db, cr.number)).filter(
        (x) => x.id === rootId || x.inReplyTo === rootId,
      );
      return c.json({ data: thread.map(commentView) });
    });
  }

  app.get('/:number/reviews', async (c) => {
    const { cr } = await load(c, c.req.param('number'));
    return c.json({ data: (await listChangeRequestReviews(deps.db, cr.number)).map(reviewView) });
  });

  app.post('/:number/reviews', async (c) => {
    const { cr } = await load(c, c.req.param('number'));
    const req = await readBody(c, PrReviewRequest);
    requireOpen(cr, 'reviews');
    req.comments.forEach((x, i) => {
      checkLine(cr, x.path, x.line, `comments.${i}.`);
    });
    const review = await insertChangeRequestReview(deps.db, {
      number: cr.number,
      author: c.get('principal').userId,
      verdict: req.verdict,
      body: req.body,
      comments: req.comments,
    });
    await nudge(cr);
    return c.json({ data: reviewView(review) }, 201);
  });

  app.post('/:number/merge', async (c) => {
    const p = c.get('principal');
    const { cr, repo } = await load(c, c.req.param('number'));
    requireOpen(cr, 'merges');
    let out: Awaited<ReturnType<ApiDeps['changeRequestMerger']['merge']>>;
    try {
      out = await deps.changeRequestMerger.merge(repo, { ...cr, mergedBy: p.userId });
    } catch (err) {
      deps.log.warn({ number: cr.number, repo: cr.repo, err }, 'change request merge failed');
      throw remoteError(err, cr);
    }
    if (!out.ok && out.reason === 'conflict')
      throw new AppError(
        'MERGE_CONFLICT',
        `Pull request ${cr.number} conflicts with ${cr.base} in ${out.paths.length} file(s): ${out.paths.slice(0, 10).join(', ')}. Nothing was changed on the remote.`,
        {
          details: out.paths.map((path) => ({
            field: path,
            message: `changed on both ${cr.base} and ${cr.branch}`,
          })),
          remedy: `Merge ${cr.base} into ${cr.branch} and resolve the conflicts (or ask ABCA to, with an iteration task), then merge again.`,
        },
      );
    if (!out.ok)
      throw new AppError(
        'MERGE_CONFLICT',
        `Pull request ${cr.number} cannot be merged: the ${out.reason === 'branch_gone' ? 'branch' : 'base'} ${out.ref} is not on the remote. Nothing was changed.`,
        { remedy: `Push ${out.ref} again, or close the pull request.` },
      );
    const ended = await endChangeRequest(deps.db, cr.number, 'merged', { headCommit: out.head });
    // Someone merged or closed it while this merge ran: theirs stands, and the remote holds the merge.
    if (!ended)
      throw new AppError('PR_NOT_OPEN', `Pull request ${cr.number} was merged or closed meanwhile.`);
    deps.log.info(
      { number: cr.number, repo: cr.repo, commit: out.commit, by: p.userId },
      'change request merged',
    );
    await nudge(cr);
    return c.json({
      data: {
        pr: changeRequestView(ended, { withDiff: false }),
        merge_commit: out.commit,
        already_merged: out.alreadyMerged,
      },
    });
  });

  app.post('/:number/close', async (c) => {
    const { cr } = await load(c, c.req.param('number'));
    requireOpen(cr, 'changes');
    const ended = await endChangeRequest(deps.db, cr.number, 'closed');
    if (!ended)
      throw new AppError('PR_NOT_OPEN', `Pull request ${cr.number} was merged or closed meanwhile.`);
    await nudge(cr);
    return c.json({ data: changeRequestView(ended, { withDiff: false }) });
  });

  return app;
}

/** A line comment must name a line of the new side of the pull request's diff. */
function checkLine(cr: ChangeRequest, path: string, line: number, prefix: string): void {
  if (inDiff(newSideLines(cr.diff), path, line)) return;
  throw new AppError(
    'LINE_NOT_IN_DIFF',
    `${path}:${line} is not a line of pull request ${cr.number}'s diff (new side): comment on a changed line or the lines around it.`,
    {
      details: [
        { field: `${prefix}line`, message: `${path}:${line} is not in the diff` },
        { field: `${prefix}path`, message: `${path}:${line} is not in the diff` },
      ],
    },
  );
}

function fieldError(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', `Invalid request: ${field}: ${message}`, {
    details: [{ field, message }],
  });
}

/** The remote refused or could not be reached: a typed answer, never a stack trace or a URL. */
function remoteError(err: unknown, cr: ChangeRequest): unknown {
  if (!(err instanceof ForgeError)) return err;
  // The base kept moving under the merge: a race, not a refusal.
  if (err.code === 'PUSH_REJECTED' && err.retryable)
    return new AppError('MERGE_CONFLICT', `Pull request ${cr.number} was not merged: ${err.message}`, {
      remedy: 'Try the merge again; nothing was changed on the remote.',
    });
  const what =
    err.code === 'PUSH_REJECTED' || err.code === 'INSUFFICIENT_PERMISSIONS'
      ? `the remote of ${cr.repo} refused the push to ${cr.base} (${err.code}: a protected branch, a hook or the credential's rights)`
      : err.code === 'INTERNAL_ERROR'
        ? `merging failed on the ABCA host (${err.code}; the server log says why, e.g. a git older than 2.38)`
        : `the remote of ${cr.repo} could not be reached or read (${err.code})`;
  return new AppError(
    'SERVICE_UNAVAILABLE',
    `Pull request ${cr.number} was not merged: ${what}. Nothing was changed.`,
  );
}

const commentView = (x: ChangeRequestComment): PrComment => ({
  id: x.id,
  number: x.number,
  author: x.author,
  body: x.body,
  path: x.path,
  line: x.line,
  in_reply_to: x.inReplyTo,
  resolved: x.resolved,
  created_at: x.createdAt.toISOString(),
});

const reviewView = (r: ChangeRequestReview): PrReview => ({
  id: r.id,
  number: r.number,
  author: r.author,
  verdict: r.verdict,
  body: r.body,
  created_at: r.createdAt.toISOString(),
});
