import { mentionRequest } from '../channels/github/triggers.ts';
import type { PrActivity, PrComment } from '../ports/forge.ts';
import type { ReviewCommentInput, WatchCursor, WatchRow, WatchUpdate } from './watch-store.ts';

/** Why the watcher starts an iteration task. */
export type IterationReason = 'changes_requested' | 'review_comment' | 'mention' | 'failing_check';

/** The settings one decision runs under (pr-loop-config.ts, with the repo's overrides). */
export interface WatchSettings {
  /** false: the repo turned the watcher off (outcomes are still recorded). */
  enabled: boolean;
  /** The logins that are ABCA itself (the GitHub bot, plain git's `abca`): never a trigger. */
  botLogins: readonly string[];
  /** The name a comment mentions (`mention_name`, default `abca`). */
  mention: string;
  stopLabel: string;
  maxIterations: number;
  maxSpendUsd: number;
}

/** What the poller found beside the forge's activity. */
export interface WatchFacts {
  /** Whether the watch's active iteration task has ended (or there is none). */
  activeEnded: boolean;
  /** `coding/pr-iteration-v1` tasks on the PR, whoever started them. */
  iterationTasks: number;
  /** What the PR's tasks cost so far: the opening task and every iteration. */
  spendUsd: number;
  /** Shas of the commits ABCA's tasks made on the branch (their `outcome.commits`). */
  abcaCommits: ReadonlySet<string>;
  /** A stop comment by someone allowed to stop the watcher (checked by the poller), if any. */
  stopBy?: { author: string; commentId: string };
  /**
   * Who may start an iteration by a review or comment (GitHub: writers, asked by the poller);
   * undefined: anyone who can comment (plain git: only API-key holders can).
   */
  writers?: ReadonlySet<string>;
  now: Date;
}

export interface WatchDecision {
  update: WatchUpdate;
  /** Start this iteration (its number: the idempotency key's) for these reasons. */
  start?: { iteration: number; reasons: IterationReason[] };
  /** Say once on the PR why the watcher stopped. */
  notice?: string;
  /** Every review comment the PR received from people, for the records. */
  reviewComments: ReviewCommentInput[];
}

/** The most ids of each kind the cursor keeps (the forge lists at most the newest 300 of each). */
const CURSOR_CAP = 2000;
/** ABCA's own comments carry a hidden `<!-- abca...` marker (status, replies, notices). */
const ABCA_MARKER = '<!-- abca';

/** Whether text written by `author` is ABCA's own (its logins, or its hidden marker). */
export function isAbca(author: string, body: string, s: Pick<WatchSettings, 'botLogins'>): boolean {
  const login = author.toLowerCase();
  return s.botLogins.some((b) => b.toLowerCase() === login) || body.includes(ABCA_MARKER);
}

/** Whether a comment asks ABCA to stop: it mentions the bot and its request starts with `stop`. */
export function isStopRequest(body: string, mention: string): boolean {
  const request = mentionRequest(body, mention);
  return request !== undefined && /^stop\b/i.test(request.trim());
}

/**
 * The new comments (not yet in the cursor) by people that ask ABCA to stop, oldest first. The
 * poller checks that their authors may (GitHub: write access) and passes the first as `stopBy`.
 */
export function stopCandidates(watch: Pick<WatchRow, 'seen'>, a: PrActivity, s: WatchSettings): PrComment[] {
  const seen = new Set(watch.seen.comments);
  return allComments(a).filter(
    (c) => !seen.has(c.id) && !isAbca(c.author, c.body, s) && isStopRequest(c.body, s.mention),
  );
}

/**
 * The authors of what is new since the cursor and not ABCA's: whose access the poller asks of
 * GitHub before they may start an iteration ({@link WatchFacts.writers}).
 */
export function newAuthors(watch: Pick<WatchRow, 'seen'>, a: PrActivity, s: WatchSettings): string[] {
  const seenReviews = new Set(watch.seen.reviews);
  const seenComments = new Set(watch.seen.comments);
  const authors = [
    ...a.reviews.filter((r) => !seenReviews.has(r.id) && !isAbca(r.author, r.body, s)).map((r) => r.author),
    ...allComments(a)
      .filter((c) => !seenComments.has(c.id) && !isAbca(c.author, c.body, s))
      .map((c) => c.author),
  ];
  return [...new Set(authors.filter((x) => x !== a.pr.author))];
}

function allComments(a: PrActivity): PrComment[] {
  return [...a.comments, ...a.threads.flatMap((t) => t.comments)];
}

const cap = (ids: string[]) => ids.slice(-CURSOR_CAP);
const earliest = (dates: (Date | null)[]): Date | null =>
  dates.reduce<Date | null>((min, d) => (d && (!min || d < min) ? d : min), null);

/**
 * What one poll of a watched PR decides, from what is new since its cursor (pure: the poller does
 * the effects). The outcome is brought up to date every time; then, while it is watched:
 * merged/closed end it; a stop (label, or a writer's comment) stops it; new triggers (a review
 * requesting changes, a review-thread comment, a comment mentioning the bot, a failing check on
 * the head, each not by ABCA) start one iteration task, or wait as `pending` while one runs;
 * limits (iterations, spend) stop it instead.
 */
export function decideWatch(w: WatchRow, a: PrActivity, s: WatchSettings, f: WatchFacts): WatchDecision {
  const human = (author: string, body: string) => !isAbca(author, body, s) && author !== a.pr.author;
  // Who may start an iteration (GitHub: a writer); their reviews and comments still count in the outcome.
  const may = (author: string) => !f.writers || f.writers.has(author);
  const seenReviews = new Set(w.seen.reviews);
  const seenComments = new Set(w.seen.comments);
  const seenChecks = new Set(w.seen.checks);
  const head = a.pr.headSha;

  const humanReviews = a.reviews.filter((r) => human(r.author, r.body));
  const threadComments = a.threads.flatMap((t) => t.comments.map((c) => ({ ...c, thread: t })));
  const humanThreadComments = threadComments.filter((c) => human(c.author, c.body));

  // ---- The outcome, whatever the watch state.
  const reviewTimes = [
    ...humanReviews.filter((r) => r.state !== 'dismissed').map((r) => new Date(r.submittedAt)),
    ...humanThreadComments.map((c) => new Date(c.createdAt)),
  ];
  const state = a.pr.state;
  const update: WatchUpdate = {
    watch_state: w.watch_state,
    watch_reason: w.watch_reason,
    state,
    head_sha: head || w.head_sha,
    opened_at: validDate(a.pr.createdAt) ?? w.opened_at,
    first_review_at: earliest([w.first_review_at, ...reviewTimes]),
    merged_at: state === 'merged' ? (validDate(a.pr.mergedAt) ?? w.merged_at ?? f.now) : null,
    closed_at:
      state === 'open'
        ? null
        : (validDate(a.pr.closedAt) ?? validDate(a.pr.mergedAt) ?? w.closed_at ?? f.now),
    human_reviews: humanReviews.filter((r) => r.state === 'changes_requested' || r.state === 'commented')
      .length,
    comment_cycles: w.comment_cycles,
    iteration_tasks: f.iterationTasks,
    loop_iterations: w.loop_iterations,
    human_commits: a.commits.filter((c) => !f.abcaCommits.has(c.sha)).length,
    cost_usd: f.spendUsd,
    seen: {
      reviews: cap([...w.seen.reviews, ...a.reviews.map((r) => r.id).filter((id) => !seenReviews.has(id))]),
      comments: cap([
        ...w.seen.comments,
        ...allComments(a)
          .map((c) => c.id)
          .filter((id) => !seenComments.has(id)),
      ]),
      checks: cap([
        ...w.seen.checks,
        ...a.failingChecks.map((c) => `${head}:${c.id}`).filter((k) => !seenChecks.has(k)),
      ]),
    } satisfies WatchCursor,
    active_task_id: f.activeEnded ? null : w.active_task_id,
    pending: w.pending,
    pending_reasons: w.pending_reasons,
  };
  const reviewComments: ReviewCommentInput[] = humanThreadComments.map((c) => ({
    id: c.id,
    author: c.author,
    body: c.body,
    path: c.thread.path,
    line: c.thread.line,
    resolved: c.thread.resolved,
    createdAt: c.createdAt,
  }));
  const decision: WatchDecision = { update, reviewComments };

  if (state !== 'open') {
    update.watch_state = 'ended';
    update.pending = false;
    update.pending_reasons = [];
    return decision;
  }
  if (w.watch_state !== 'watching') return decision;

  const stop = (reason: string, notice: string): WatchDecision => {
    update.watch_state = 'stopped';
    update.watch_reason = reason;
    update.pending = false;
    update.pending_reasons = [];
    return { ...decision, notice };
  };
  if (a.pr.labels.some((l) => l.toLowerCase() === s.stopLabel.toLowerCase()))
    return stop(
      'stop_label',
      `ABCA stopped watching this pull request: it has the \`${s.stopLabel}\` label. No more iteration tasks start on it.`,
    );
  if (f.stopBy)
    return stop(
      'stop_comment',
      `ABCA stopped watching this pull request, as @${f.stopBy.author} asked. No more iteration tasks start on it.`,
    );
  if (!s.enabled) return decision;

  // ---- What is new since the cursor, by people.
  const reasons = new Set<IterationReason>();
  if (
    a.reviews.some(
      (r) =>
        !seenReviews.has(r.id) && r.state === 'changes_requested' && human(r.author, r.body) && may(r.author),
    )
  )
    reasons.add('changes_requested');
  if (humanThreadComments.some((c) => !seenComments.has(c.id) && !c.thread.resolved && may(c.author)))
    reasons.add('review_comment');
  if (
    allComments(a).some(
      (c) =>
        !seenComments.has(c.id) &&
        human(c.author, c.body) &&
        may(c.author) &&
        mentionRequest(c.body, s.mention) !== undefined &&
        !isStopRequest(c.body, s.mention),
    )
  )
    reasons.add('mention');
  if (a.failingChecks.some((c) => !seenChecks.has(`${head}:${c.id}`))) reasons.add('failing_check');

  const wanted = new Set<string>([...(update.pending ? update.pending_reasons : []), ...reasons]);
  if (wanted.size === 0) return decision;
  if (update.active_task_id) {
    // One iteration task at a time: what came meanwhile joins the next one.
    update.pending = true;
    update.pending_reasons = [...wanted];
    return decision;
  }
  if (f.iterationTasks >= s.maxIterations)
    return stop(
      'iteration_limit',
      `ABCA stopped iterating on this pull request: it reached its limit of ${s.maxIterations} iteration task${s.maxIterations === 1 ? '' : 's'}. It is yours from here.`,
    );
  if (f.spendUsd >= s.maxSpendUsd)
    return stop(
      'spend_limit',
      `ABCA stopped iterating on this pull request: its tasks spent $${f.spendUsd.toFixed(2)} of the $${s.maxSpendUsd.toFixed(2)} allowed per pull request. It is yours from here.`,
    );
  const all = [...wanted] as IterationReason[];
  update.loop_iterations = w.loop_iterations + 1;
  if (!all.includes('changes_requested') && (all.includes('review_comment') || all.includes('mention')))
    update.comment_cycles = w.comment_cycles + 1;
  update.pending = false;
  update.pending_reasons = [];
  return { ...decision, start: { iteration: update.loop_iterations, reasons: all } };
}

function validDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}
