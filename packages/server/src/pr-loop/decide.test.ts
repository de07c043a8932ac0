import { describe, expect, it } from 'vitest';
import type { PrActivity } from '../ports/forge.ts';
import { decideWatch, newAuthors, stopCandidates, type WatchFacts, type WatchSettings } from './decide.ts';
import { nextPollMs, quietPoll } from './poll-interval.ts';
import type { WatchRow } from './watch-store.ts';

const settings: WatchSettings = {
  enabled: true,
  botLogins: ['abca[bot]', 'abca'],
  mention: 'abca',
  stopLabel: 'abca:stop',
  maxIterations: 3,
  maxSpendUsd: 5,
};

function watch(over: Partial<WatchRow> = {}): WatchRow {
  return {
    id: 1,
    repo: 'acme/app',
    number: 7,
    forge_kind: 'github',
    branch: 'abca/t1',
    url: 'https://github.com/acme/app/pull/7',
    origin_task_id: 'T1',
    user_id: 'alice',
    watch_state: 'watching',
    watch_reason: null,
    state: 'open',
    head_sha: 'aaa1111',
    opened_at: new Date('2026-12-01T00:00:00Z'),
    first_review_at: null,
    merged_at: null,
    closed_at: null,
    human_reviews: 0,
    comment_cycles: 0,
    iteration_tasks: 0,
    loop_iterations: 0,
    human_commits: 0,
    cost_usd: 0,
    seen: { reviews: [], comments: [], checks: [] },
    idle_polls: 0,
    active_task_id: null,
    pending: false,
    pending_reasons: [],
    next_poll_at: new Date(),
    nudged_at: null,
    claim_token: 'x',
    ...over,
  };
}

function activity(over: Partial<PrActivity> = {}, pr: Partial<PrActivity['pr']> = {}): PrActivity {
  return {
    pr: {
      number: 7,
      url: 'https://github.com/acme/app/pull/7',
      branch: 'abca/t1',
      base: 'main',
      draft: false,
      title: 't',
      state: 'open',
      headSha: 'aaa1111',
      author: 'abca[bot]',
      labels: [],
      createdAt: '2026-12-01T00:00:00Z',
      mergedAt: null,
      closedAt: null,
      ...pr,
    },
    reviews: [],
    threads: [],
    comments: [],
    failingChecks: [],
    commits: [],
    ...over,
  };
}

const facts = (over: Partial<WatchFacts> = {}): WatchFacts => ({
  activeEnded: true,
  iterationTasks: 0,
  spendUsd: 0.5,
  abcaCommits: new Set(),
  now: new Date('2026-12-02T00:00:00Z'),
  ...over,
});

const review = (id: string, author: string, state: PrActivity['reviews'][number]['state']) => ({
  id,
  author,
  state,
  body: 'please change',
  submittedAt: '2026-12-01T02:00:00Z',
});
const thread = (id: string, author: string, body = 'rename this', resolved = false) => ({
  id: `T_${id}`,
  path: 'src/a.ts',
  line: 3,
  resolved,
  comments: [{ id, author, body, createdAt: '2026-12-01T01:00:00Z' }],
});
const comment = (id: string, author: string, body: string) => ({
  id,
  author,
  body,
  createdAt: '2026-12-01T03:00:00Z',
});
const check = (id: string) => ({
  id,
  name: 'ci',
  kind: 'check_run' as const,
  conclusion: 'failure',
  logTail: 'boom',
  url: null,
  completedAt: null,
});

describe('the PR watcher decides', () => {
  it('a review requesting changes starts iteration 1', () => {
    const d = decideWatch(
      watch(),
      activity({ reviews: [review('r1', 'bob', 'changes_requested')] }),
      settings,
      facts(),
    );
    expect(d.start).toEqual({ iteration: 1, reasons: ['changes_requested'] });
    expect(d.update.loop_iterations).toBe(1);
    expect(d.update.seen.reviews).toEqual(['r1']);
    expect(d.update.human_reviews).toBe(1);
    expect(d.update.first_review_at?.toISOString()).toBe('2026-12-01T02:00:00.000Z');
  });

  it('a review-thread comment, a mention, and a failing check on the head each start one', () => {
    expect(
      decideWatch(watch(), activity({ threads: [thread('c1', 'bob')] }), settings, facts()).start?.reasons,
    ).toEqual(['review_comment']);
    expect(
      decideWatch(
        watch(),
        activity({ comments: [comment('c2', 'bob', '@abca please fix the test')] }),
        settings,
        facts(),
      ).start?.reasons,
    ).toEqual(['mention']);
    const d = decideWatch(watch(), activity({ failingChecks: [check('99')] }), settings, facts());
    expect(d.start?.reasons).toEqual(['failing_check']);
    expect(d.update.seen.checks).toEqual(['aaa1111:99']);
  });

  it('a conversation comment without a mention, an approval and a comment review start nothing', () => {
    const d = decideWatch(
      watch(),
      activity({
        comments: [comment('c3', 'bob', 'looks fine')],
        reviews: [review('r2', 'bob', 'approved'), review('r3', 'carol', 'commented')],
      }),
      settings,
      facts(),
    );
    expect(d.start).toBeUndefined();
    // The commented review is a review cycle; the approval is not.
    expect(d.update.human_reviews).toBe(1);
  });

  it("ignores the bot's own reviews and comments, and comments carrying ABCA's marker", () => {
    const d = decideWatch(
      watch(),
      activity({
        reviews: [review('r1', 'abca[bot]', 'changes_requested')],
        threads: [thread('c1', 'ABCA[bot]'), thread('c4', 'someone', 'Done.\n<!-- abca-task:T2 -->')],
        comments: [comment('c2', 'abca', '@abca fix')],
      }),
      settings,
      facts(),
    );
    expect(d.start).toBeUndefined();
    expect(d.reviewComments).toEqual([]);
    expect(d.update.first_review_at).toBeNull();
  });

  it('what is in the cursor is not acted on again; a check fails anew on a new head', () => {
    const seen = { reviews: ['r1'], comments: ['c1'], checks: ['aaa1111:99'] };
    const a = activity({
      reviews: [review('r1', 'bob', 'changes_requested')],
      threads: [thread('c1', 'bob')],
      failingChecks: [check('99')],
    });
    expect(decideWatch(watch({ seen }), a, settings, facts()).start).toBeUndefined();
    const moved = activity({ failingChecks: [check('99')] }, { headSha: 'bbb2222' });
    expect(decideWatch(watch({ seen }), moved, settings, facts()).start?.reasons).toEqual(['failing_check']);
  });

  it('one iteration at a time: new comments while one runs set pending; they start the next when it ends', () => {
    const running = watch({ active_task_id: 'IT1', loop_iterations: 1 });
    const a = activity({ threads: [thread('c5', 'bob')] });
    const d1 = decideWatch(running, a, settings, facts({ activeEnded: false, iterationTasks: 1 }));
    expect(d1.start).toBeUndefined();
    expect(d1.update).toMatchObject({
      pending: true,
      pending_reasons: ['review_comment'],
      active_task_id: 'IT1',
    });
    // More comments meanwhile: still pending, still no task.
    const w2 = watch({ ...d1.update, active_task_id: 'IT1', loop_iterations: 1 });
    const a2 = activity({ threads: [thread('c5', 'bob'), thread('c6', 'carol')] });
    const d2 = decideWatch(w2, a2, settings, facts({ activeEnded: false, iterationTasks: 1 }));
    expect(d2.start).toBeUndefined();
    expect(d2.update.pending).toBe(true);
    // The task ended: the pending batch starts iteration 2, with nothing new needed.
    const w3 = watch({ ...d2.update, active_task_id: 'IT1', loop_iterations: 1 });
    const d3 = decideWatch(w3, a2, settings, facts({ activeEnded: true, iterationTasks: 1 }));
    expect(d3.start).toEqual({ iteration: 2, reasons: ['review_comment'] });
    expect(d3.update).toMatchObject({ pending: false, pending_reasons: [], active_task_id: null });
  });

  it('limits stop the loop instead of starting a task: iterations, then spend', () => {
    const a = activity({ reviews: [review('r9', 'bob', 'changes_requested')] });
    const byCount = decideWatch(watch(), a, settings, facts({ iterationTasks: 3 }));
    expect(byCount.start).toBeUndefined();
    expect(byCount.update).toMatchObject({ watch_state: 'stopped', watch_reason: 'iteration_limit' });
    expect(byCount.notice).toContain('limit of 3 iteration tasks');
    const bySpend = decideWatch(watch(), a, settings, facts({ spendUsd: 5.2 }));
    expect(bySpend.update).toMatchObject({ watch_state: 'stopped', watch_reason: 'spend_limit' });
    expect(bySpend.notice).toContain('$5.20 of the $5.00');
  });

  it('a human stop: the label, or a stop comment the poller allowed', () => {
    const labelled = decideWatch(
      watch(),
      activity({ reviews: [review('r1', 'bob', 'changes_requested')] }, { labels: ['ABCA:stop'] }),
      settings,
      facts(),
    );
    expect(labelled.start).toBeUndefined();
    expect(labelled.update).toMatchObject({ watch_state: 'stopped', watch_reason: 'stop_label' });
    expect(labelled.notice).toContain('`abca:stop`');

    const a = activity({ comments: [comment('c7', 'bob', '@abca stop please')] });
    expect(stopCandidates(watch(), a, settings).map((c) => c.id)).toEqual(['c7']);
    // Not allowed (the poller found no writer): the stop comment is neither a stop nor a trigger.
    const ignored = decideWatch(watch(), a, settings, facts());
    expect(ignored.start).toBeUndefined();
    expect(ignored.update.watch_state).toBe('watching');
    const stopped = decideWatch(watch(), a, settings, facts({ stopBy: { author: 'bob', commentId: 'c7' } }));
    expect(stopped.update).toMatchObject({ watch_state: 'stopped', watch_reason: 'stop_comment' });
    expect(stopped.notice).toContain('@bob');
    // A stopped watch starts nothing more, but its outcome is still kept.
    const later = decideWatch(
      watch({ watch_state: 'stopped', watch_reason: 'stop_comment' }),
      activity(
        { reviews: [review('r5', 'bob', 'changes_requested')] },
        { state: 'merged', mergedAt: '2026-12-03T00:00:00Z' },
      ),
      settings,
      facts(),
    );
    expect(later.start).toBeUndefined();
    expect(later.update).toMatchObject({
      watch_state: 'ended',
      state: 'merged',
      watch_reason: 'stop_comment',
    });
    expect(later.update.merged_at?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('merged or closed ends the watch with the times; a pending batch is dropped', () => {
    const d = decideWatch(
      watch({ pending: true, pending_reasons: ['mention'], active_task_id: 'IT1' }),
      activity({}, { state: 'closed', closedAt: '2026-12-04T00:00:00Z' }),
      settings,
      facts({ activeEnded: true }),
    );
    expect(d.start).toBeUndefined();
    expect(d.update).toMatchObject({
      watch_state: 'ended',
      state: 'closed',
      pending: false,
      merged_at: null,
    });
    expect(d.update.closed_at?.toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });

  it('a repo with the watcher off records the outcome and starts nothing', () => {
    const d = decideWatch(
      watch(),
      activity({ reviews: [review('r1', 'bob', 'changes_requested')] }),
      { ...settings, enabled: false },
      facts(),
    );
    expect(d.start).toBeUndefined();
    expect(d.update.human_reviews).toBe(1);
    expect(d.update.seen.reviews).toEqual(['r1']);
  });

  it('human commits are the branch commits no ABCA task made; comment-only iterations count as cycles', () => {
    const d = decideWatch(
      watch(),
      activity({
        commits: [
          { sha: 's1', author: 'abca' },
          { sha: 's2', author: 'bob' },
          { sha: 's3', author: 'abca' },
        ],
        threads: [thread('c1', 'bob')],
      }),
      settings,
      facts({ abcaCommits: new Set(['s1', 's3']) }),
    );
    expect(d.update.human_commits).toBe(1);
    expect(d.update.comment_cycles).toBe(1);
    expect(d.reviewComments).toEqual([
      expect.objectContaining({ id: 'c1', author: 'bob', path: 'src/a.ts', line: 3, resolved: false }),
    ]);
  });
});

describe('who may start an iteration', () => {
  it("on GitHub only writers: a reader's review and mention start nothing, but count in the outcome", () => {
    const a = activity({
      reviews: [review('r1', 'rita', 'changes_requested')],
      comments: [comment('c1', 'rita', '@abca do it')],
    });
    expect(newAuthors(watch(), a, settings)).toEqual(['rita']);
    const d = decideWatch(watch(), a, settings, facts({ writers: new Set() }));
    expect(d.start).toBeUndefined();
    expect(d.update.human_reviews).toBe(1);
    expect(d.update.seen.reviews).toEqual(['r1']);
    const w = decideWatch(watch(), a, settings, facts({ writers: new Set(['rita']) }));
    expect(w.start?.reasons).toEqual(['changes_requested', 'mention']);
  });
});

describe('how soon a watch is polled again', () => {
  it('doubles the wait after each quiet poll, up to the most, and never below the poll interval', () => {
    expect([0, 1, 2, 3, 10, 100].map((n) => nextPollMs(n, 60_000, 1_800_000))).toEqual([
      60_000, 120_000, 240_000, 480_000, 1_800_000, 1_800_000,
    ]);
    expect(nextPollMs(5, 60_000, 1000)).toBe(60_000);
  });
  it('a poll that finds nothing new is quiet; a new review, comment, check or state is not', () => {
    const w = watch({ seen: { reviews: ['r1'], comments: [], checks: [] } });
    const seenBefore = activity({ reviews: [review('r1', 'alice', 'approved')] });
    expect(quietPoll(w, decideWatch(w, seenBefore, settings, facts()))).toBe(true);
    const moved: PrActivity[] = [
      activity({ reviews: [review('r1', 'alice', 'approved'), review('r2', 'alice', 'changes_requested')] }),
      activity({ reviews: [review('r1', 'alice', 'approved')], comments: [comment('c1', 'bob', 'hm')] }),
      activity({ reviews: [review('r1', 'alice', 'approved')], failingChecks: [check('k1')] }),
      activity({ reviews: [review('r1', 'alice', 'approved')] }, { state: 'merged' }),
      activity({ reviews: [review('r1', 'alice', 'approved')] }, { headSha: 'bbb2222' }),
    ];
    for (const a of moved) expect(quietPoll(w, decideWatch(w, a, settings, facts()))).toBe(false);
  });
});
