import { createRedactor } from '@abca/agent/without-models';
import type { GitHubChannelApi } from '../channels/github/github-api.ts';
import type { Logger } from '../ops/logger.ts';
import type { Memory } from '../ports/memory.ts';
import type { Queryable } from '../storage/db.ts';
import { appendEvent } from '../store/event-store.ts';
import { getRepo } from '../store/repo-store.ts';
import { getTask } from '../store/task-store.ts';
import { learnsFrom } from './after-task.ts';
import { withPrOutcome, writeEpisode } from './episode.ts';
import { learnReviewRules, unlearnedComments, type WatchedPr, type WritersOf } from './learn-rules.ts';
import { isLearned, markLearned } from './learned-marks.ts';
import { createLearningModel, type LearningConfig, type LearningModel } from './learning-model.ts';

const WRITE_ACCESS = ['admin', 'maintain', 'write'];
/** The plain-git author of ABCA's own comments (adapters/forge/git). */
const PLAIN_GIT_AUTHOR = 'abca';
/** PRs read in one pass. */
const PRS_PER_PASS = 10;

export interface ReviewLearnerOptions {
  db: Queryable;
  memory: Memory;
  log: Logger;
  config: LearningConfig;
  secrets: string[];
  /** ABCA's GitHub bot login; plain git's `abca` is always one. */
  botLogin: string;
  /** GitHub's collaborator permission API: who has write access (GitHub repos). */
  github?: Pick<GitHubChannelApi, 'permission'>;
  /** How often a pass runs (the PR watcher's poll interval). */
  intervalMs: number;
  /** Tests give their own; by default the learning model of the settings. */
  model?: LearningModel;
}

export interface ReviewLearner {
  /** Runs one pass now (after the one under way, if any); resolves when it has ended. */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Memory's review pass (docs/memory.md): next to the PR watcher, it reads the review comments the
 * watcher recorded (`pr_review_comments`) that were not learned from yet and distils review rules
 * from the writers' ones ({@link learnReviewRules}); and it writes each PR's outcome (merged,
 * revised, rejected) into its task's episode. Each comment and outcome is handled once
 * (`memory_learned`). A failure is an event on the PR's task or a log line, never more.
 */
export function startReviewLearner(o: ReviewLearnerOptions): ReviewLearner {
  const log = o.log.child({ component: 'memory-review-learner' });
  const redactor = createRedactor(o.secrets);
  const scrub = (s: string) => redactor.redact(s);
  // Built on the first pass that learns (the model side of the agent package loads then).
  let building: Promise<LearningModel | undefined> | undefined;
  const learningModel = () => {
    building ??= o.model ? Promise.resolve(o.model) : createLearningModel(o.config, o.secrets);
    return building;
  };
  const botLogins = [o.botLogin, PLAIN_GIT_AUTHOR];
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const writersOf = async (pr: WatchedPr): Promise<WritersOf> => {
    const repo = await getRepo(o.db, pr.repo);
    if (repo?.forge.kind !== 'github') {
      // Plain git and the fake forge: review comments come through the API, from key holders.
      return async (authors) => new Set(authors);
    }
    const ownerRepo = repo.forge.owner_repo;
    return async (authors) => {
      const writers = new Set<string>();
      if (!o.github) return writers;
      for (const login of authors.slice(0, 20)) {
        // A failure throws: the PR's comments wait for the next pass (never marked as a reader's).
        const access = await o.github.permission(ownerRepo, login);
        if (WRITE_ACCESS.includes(access)) writers.add(login);
      }
      return writers;
    };
  };

  const learnRules = async () => {
    if (!o.config.memory.learning || !(await learningModel())) return;
    const res = await o.db.query<WatchedPr>(
      `SELECT w.id::int AS id, w.repo, w.number, w.url, w.origin_task_id FROM pr_watches w
        WHERE EXISTS (SELECT 1 FROM pr_review_comments c WHERE c.watch_id = w.id
          AND NOT EXISTS (SELECT 1 FROM memory_learned m WHERE m.key = 'comment:' || c.watch_id || ':' || c.comment_id))
        ORDER BY w.id LIMIT $1`,
      [PRS_PER_PASS],
    );
    for (const pr of res.rows) {
      if (stopped) return;
      try {
        await learnFromPr(pr);
      } catch (err) {
        log.warn({ err, repo: pr.repo, pr: pr.number }, 'could not learn from the PR’s review comments');
      }
    }
  };

  const learnFromPr = async (pr: WatchedPr) => {
    const model = await learningModel();
    if (!model) return;
    const task = await getTask(o.db, pr.origin_task_id);
    if (!task || !(await learnsFrom({ db: o.db, config: o.config }, task))) {
      // Memory off for the repo or the PR's task: its comments are passed over for good.
      for (const c of await unlearnedComments(o.db, pr))
        await markLearned(o.db, `comment:${pr.id}:${c.comment_id}`, 'memory_off');
      return;
    }
    const out = await learnReviewRules(
      {
        db: o.db,
        memory: o.memory,
        model,
        scrub,
        botLogins,
        writersOf: await writersOf(pr),
        onRefused: (r) => log.warn({ repo: pr.repo, pr: pr.number, why: r.why }, 'review rule refused'),
      },
      pr,
    );
    if (out.kind === 'failed') {
      await appendEvent(o.db, pr.origin_task_id, 'memory.learning_failed', {
        what: 'review_rules',
        message: scrub(out.answer.message).slice(0, 500),
        ...(out.answer.raw !== undefined ? { raw: out.answer.raw } : {}),
        model: out.answer.model,
        cost_usd: out.answer.costUsd,
      });
    } else if (out.kind === 'learned') {
      for (const w of out.written) {
        await appendEvent(o.db, pr.origin_task_id, 'memory.written', {
          id: w.record.id,
          kind: 'review_rule',
          title: w.record.title,
          supersedes: w.supersedes,
        });
      }
      for (const r of out.refused) {
        await appendEvent(o.db, pr.origin_task_id, 'memory.learning_failed', {
          what: 'review_rules',
          message: `a rule was refused: ${r.why}`,
          raw: r.title,
        });
      }
      await appendEvent(o.db, pr.origin_task_id, 'memory.learned', {
        what: 'review_rules',
        model: out.answer.model,
        cost_usd: out.answer.costUsd,
        written: out.written.length,
        refused: out.refused.length,
      });
    }
  };

  /** PR outcomes into episodes: merged and closed (rejected) once; revised once an iteration ran. */
  const prOutcomes = async () => {
    if (!o.config.memory.learning) return;
    const res = await o.db.query<{ origin_task_id: string; state: string; iteration_tasks: number }>(
      `SELECT w.origin_task_id, w.state, w.iteration_tasks FROM pr_watches w
        WHERE (w.state <> 'open' OR w.iteration_tasks > 0)
          AND NOT EXISTS (SELECT 1 FROM memory_learned m WHERE m.key = 'pr-outcome:' || w.origin_task_id)
          AND NOT (w.state = 'open' AND EXISTS (SELECT 1 FROM memory_learned m WHERE m.key = 'pr-revised:' || w.origin_task_id))
        ORDER BY w.id LIMIT 50`,
    );
    for (const w of res.rows) {
      const outcome = w.state === 'merged' ? 'merged' : w.state === 'closed' ? 'rejected' : 'revised';
      const key = outcome === 'revised' ? `pr-revised:${w.origin_task_id}` : `pr-outcome:${w.origin_task_id}`;
      if (await isLearned(o.db, key)) continue;
      const task = await getTask(o.db, w.origin_task_id);
      if (task && (await learnsFrom({ db: o.db, config: o.config }, task))) {
        const ep = await writeEpisode(o.memory, task, scrub);
        const revised = outcome !== 'revised' && (await isLearned(o.db, `pr-revised:${w.origin_task_id}`));
        const body = withPrOutcome(ep.body, outcome === 'merged' && revised ? 'merged' : outcome);
        await o.memory.update(task.repo, ep.id, {
          body: revised && outcome === 'merged' ? `${body} (after revision)` : body,
        });
      }
      await markLearned(o.db, key, outcome);
    }
  };

  const runPass = async () => {
    try {
      await learnRules();
      await prOutcomes();
    } catch (err) {
      log.warn({ err }, 'memory review pass failed; the next one tries again');
    }
  };

  const pass = () => {
    running = running.then(runPass);
    return running;
  };
  const tick = () => {
    if (stopped) return;
    void pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, o.intervalMs);
    });
  };
  timer = setTimeout(tick, o.intervalMs);
  return {
    pass,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
