import { randomUUID } from 'node:crypto';
import { CreateTaskRequest, type RepoInfo } from '@abca/contracts';
import { type GatewayDeps, submitTask } from '../channels/gateway.ts';
import type { GitHubChannelApi } from '../channels/github/github-api.ts';
import { DEFAULT_MENTION_NAME } from '../channels/github/triggers.ts';
import type { PrLoopConfig } from '../config/pr-loop-config.ts';
import { AppError } from '../ops/errors.ts';
import type { Logger } from '../ops/logger.ts';
import { createWakeLoop } from '../ops/wake-loop.ts';
import type { Forge, RepoRef } from '../ports/forge.ts';
import type { Db } from '../storage/db.ts';
import { getRepo } from '../store/repo-store.ts';
import {
  decideWatch,
  type IterationReason,
  newAuthors,
  stopCandidates,
  type WatchSettings,
} from './decide.ts';
import { nextPollMs, quietPoll } from './poll-interval.ts';
import { prTaskFacts } from './watch-facts.ts';
import { listenForWatchNudges } from './watch-listener.ts';
import {
  claimDueWatches,
  discoverWatches,
  failPoll,
  finishPoll,
  msUntilNextWatch,
  upsertReviewComments,
  type WatchRow,
} from './watch-store.ts';

export interface PrWatcherOptions {
  db: Db;
  /** For the LISTEN connection (nudges from webhooks and the API). */
  databaseUrl: string;
  forge: Forge;
  /** How tasks are made (channels/gateway.ts). */
  gateway: Omit<GatewayDeps, 'db' | 'log'>;
  log: Logger;
  settings: PrLoopConfig;
  /** ABCA's GitHub bot login (ABCA_GITHUB_BOT_LOGIN); plain git's `abca` is always one. */
  botLogin: string;
  /** GitHub's collaborator permission API: who may stop the watcher by a comment (GitHub). */
  github?: Pick<GitHubChannelApi, 'permission'>;
  /** Watches worked on in one pass (default 20). */
  batch?: number;
  /** How long a claim keeps other pollers off one watch (default 5 min). */
  leaseMs?: number;
}

export interface PrWatcher {
  /** Looks for due watches now. */
  wake(): void;
  /** Resolves when the pass under way (if any) has ended; for tests. */
  idle(): Promise<void>;
  stop(timeoutMs?: number): Promise<void>;
}

const WRITE_ACCESS = ['admin', 'maintain', 'write'];
/** The plain-git author of ABCA's own comments (adapters/forge/git). */
const PLAIN_GIT_AUTHOR = 'abca';

/** What an iteration task asks, from why it was started (no untrusted text: hydration reads the PR). */
function iterationDescription(number: number, reasons: readonly IterationReason[]): string {
  const what: Record<IterationReason, string> = {
    changes_requested: 'a review requesting changes',
    review_comment: 'new review comments',
    mention: 'a comment mentioning ABCA',
    failing_check: 'failing checks on its head commit',
  };
  return `Iterate on pull request #${number}: address ${reasons.map((r) => what[r]).join(', ')}.`;
}

/**
 * The PR watcher (docs/pr-loop.md): every pass discovers the pull requests ABCA's tasks opened,
 * claims the due ones (a lease taken with `FOR UPDATE SKIP LOCKED`: several processes never work
 * on one at once), reads each one's activity from its forge and acts on what is new: it records
 * the outcome, stops on a human's stop or a limit, and starts one iteration task at a time through
 * the gateway. Woken by `LISTEN abca_pr_watch` (webhooks, API comments) and by a timer.
 */
export async function startPrWatcher(o: PrWatcherOptions): Promise<PrWatcher> {
  const log = o.log.child({ component: 'pr-watcher' });
  const pollMs = o.settings.pollS * 1000;
  const maxPollMs = Math.max(pollMs, o.settings.pollMaxS * 1000);
  const passMs = Math.min(pollMs, 5000);
  const batch = o.batch ?? 20;
  const leaseMs = o.leaseMs ?? 300_000;
  const token = randomUUID();

  const settingsOf = (repo: RepoInfo): WatchSettings => ({
    enabled: repo.settings.pr_watch ?? true,
    botLogins: [o.botLogin, PLAIN_GIT_AUTHOR],
    mention: repo.settings.mention_name ?? DEFAULT_MENTION_NAME,
    stopLabel: repo.settings.pr_stop_label ?? o.settings.stopLabel,
    maxIterations: repo.settings.pr_max_iterations ?? o.settings.maxIterations,
    maxSpendUsd: repo.settings.pr_max_spend_usd ?? o.settings.maxSpendUsd,
  });

  /** The first stop comment whose author may stop the watcher: any on plain git, a writer on GitHub. */
  const stopBy = async (repo: RepoInfo, w: WatchRow, candidates: { id: string; author: string }[]) => {
    for (const c of candidates) {
      if (repo.forge.kind !== 'github') return { author: c.author, commentId: c.id };
      if (!o.github) return undefined;
      const access = await o.github.permission(repo.forge.owner_repo, c.author);
      if (WRITE_ACCESS.includes(access)) return { author: c.author, commentId: c.id };
      log.info(
        { repo: w.repo, number: w.number, author: c.author, access },
        'stop comment by a non-writer ignored',
      );
    }
    return undefined;
  };

  /**
   * Those of `authors` with write access (GitHub, asked of its permission API as the channel does):
   * on a public repo anyone may comment or review, and only writers may spend on an iteration.
   */
  const writersAmong = async (ownerRepo: string, authors: string[]): Promise<Set<string>> => {
    const writers = new Set<string>();
    if (!o.github) return writers;
    for (const login of authors.slice(0, 20)) {
      const access = await o.github.permission(ownerRepo, login);
      if (WRITE_ACCESS.includes(access)) writers.add(login);
    }
    return writers;
  };

  const pollOne = async (w: WatchRow): Promise<void> => {
    const repo = await getRepo(o.db, w.repo);
    if (!repo) {
      await failPoll(o.db, w.id, token, `repository ${w.repo} is no longer onboarded`, pollMs * 10);
      return;
    }
    const ref: RepoRef = {
      repo: repo.repo,
      defaultBranch: repo.settings.default_branch ?? 'main',
      forge: repo.forge,
    };
    const s = settingsOf(repo);
    const activity = await o.forge.listActivity(ref, w.number);
    const facts = await prTaskFacts(o.db, w);
    const candidates = w.watch_state === 'watching' ? stopCandidates(w, activity, s) : [];
    const by = candidates.length ? await stopBy(repo, w, candidates) : undefined;
    const writers =
      repo.forge.kind === 'github' && w.watch_state === 'watching' && s.enabled
        ? await writersAmong(repo.forge.owner_repo, newAuthors(w, activity, s))
        : undefined;
    const d = decideWatch(w, activity, s, {
      ...facts,
      ...(by ? { stopBy: by } : {}),
      ...(writers ? { writers } : {}),
      now: new Date(),
    });
    await upsertReviewComments(o.db, w.id, d.reviewComments);
    if (d.notice) {
      // Said once: the forge finds a comment it already made under this key.
      await o.forge.comment(ref, w.number, d.notice, { taskId: `pr-watch-${w.id}-stopped` });
      log.info({ repo: w.repo, number: w.number, reason: d.update.watch_reason }, 'PR watcher stopped');
    }
    if (d.start) {
      try {
        const body = CreateTaskRequest.parse({
          repo: w.repo,
          pr_number: w.number,
          workflow_ref: 'coding/pr-iteration-v1',
          task_description: iterationDescription(w.number, d.start.reasons),
        });
        const result = await submitTask(
          { ...o.gateway, db: o.db, log },
          {
            userId: w.user_id,
            body,
            // A crash between creating the task and recording it makes the same key: one task.
            idempotencyKey: `pr-loop:${w.origin_task_id}:${d.start.iteration}`,
            channelRef: {
              channel: 'pr_loop',
              repo: w.repo,
              pr_number: w.number,
              origin_task_id: w.origin_task_id,
              iteration: d.start.iteration,
              reasons: d.start.reasons,
            },
          },
        );
        d.update.active_task_id = result.task.task_id;
        d.update.iteration_tasks = (await prTaskFacts(o.db, { ...w, active_task_id: null })).iterationTasks;
        log.info(
          { repo: w.repo, number: w.number, taskId: result.task.task_id, reasons: d.start.reasons },
          'PR watcher started an iteration task',
        );
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        // Refused (budget, repo removed): the watcher stops on this PR and says why in its record.
        d.update.watch_state = 'stopped';
        d.update.watch_reason = err.code.toLowerCase();
        d.update.loop_iterations = w.loop_iterations;
        log.warn(
          { repo: w.repo, number: w.number, code: err.code },
          'PR watcher could not start an iteration',
        );
      }
    }
    const quiet = quietPoll(w, d);
    await finishPoll(
      o.db,
      w.id,
      token,
      d.update,
      quiet ? nextPollMs(w.idle_polls + 1, pollMs, maxPollMs) : pollMs,
      quiet,
    );
  };

  /** One bounded pass; true when it was full (look again at once). */
  const pass = async (): Promise<boolean> => {
    await discoverWatches(o.db);
    const due = await claimDueWatches(o.db, token, { limit: batch, leaseMs });
    for (const w of due) {
      if (loop.stopped) {
        await failPoll(o.db, w.id, token, 'poller stopped', 0).catch(() => {});
        continue;
      }
      try {
        await pollOne(w);
      } catch (err) {
        const message = (err as Error).message;
        if (!loop.stopped)
          log.warn({ repo: w.repo, number: w.number, err: message }, 'PR watch poll failed; retrying later');
        await failPoll(o.db, w.id, token, message, Math.min(pollMs, 30_000)).catch(() => {});
      }
    }
    return due.length === batch;
  };

  const loop = createWakeLoop({
    pass,
    async nextDelayMs() {
      const next = await msUntilNextWatch(o.db);
      return next === undefined ? passMs : Math.min(passMs, Math.max(50, next));
    },
    retryMs: passMs,
    onError: (err) => log.warn({ err: (err as Error).message }, 'PR watcher pass failed; retrying'),
  });
  const wake = loop.wake;

  const listener = await listenForWatchNudges(o.databaseUrl, log, wake);
  log.info({ pollS: o.settings.pollS }, 'PR watcher started');
  wake();
  return {
    wake,
    idle: () => loop.idle(),
    async stop(timeoutMs = 5000) {
      await loop.stop(timeoutMs);
      await listener.close();
    },
  };
}
