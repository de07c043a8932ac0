import { createRedactor } from '@abca/agent/without-models';
import { type ReviewOutcome, type TaskError, type TaskFailureCode, taskError } from '@abca/contracts';
import { newSideLines } from '../../git/diff-lines.ts';
import type { AgentOutcome } from '../../ports/agent-runtime.ts';
import { patchTask, transition } from '../../store/task-store.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { runFailure } from '../steps/run-failure.ts';
import { taskContext } from '../task-context.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import { placeComments } from './place-comments.ts';
import { retryMessage } from './prompt.ts';
import { parseReviewOutput } from './review-output.ts';

/** How much of an answer that is not a review its `review.output_invalid` event keeps. */
export const RAW_EVENT_CHARS = 16_000;

type AgentRecord = {
  outcome?: AgentOutcome;
  summary?: string;
  error?: { code: TaskFailureCode; message: string } | null;
};

/** Why a run that ended on a limit or a failure gave no review. */
function limitFailure(agent: AgentRecord): { status: 'FAILED' | 'TIMED_OUT'; error: TaskError } | undefined {
  const failure = runFailure(agent.outcome ?? 'completed', agent.error);
  if (failure) return { status: 'FAILED', error: failure };
  if (agent.outcome === 'max_turns') return { status: 'FAILED', error: taskError('MAX_TURNS_REACHED') };
  if (agent.outcome === 'budget_exceeded') return { status: 'FAILED', error: taskError('BUDGET_EXCEEDED') };
  if (agent.outcome === 'timed_out')
    return { status: 'TIMED_OUT', error: taskError('STEP_TIMEOUT', 'The agent ran out of wall time.') };
  return undefined;
}

/**
 * The end of a `coding/pr-review-v1` task, in place of finalization: reads the agent's final
 * answer as a `ReviewResult`, and posts it as ONE review on the PR's head commit as hydration saw
 * it, comments outside the diff moved into its body. Nothing is pushed. An answer that is not a
 * review gets the agent asked once more (its run reopened with the error; the blueprint runs the
 * agent step and this step again), then fails the task `REVIEW_OUTPUT_INVALID`, the answer kept in
 * a `review.output_invalid` event. Safe to re-run: the forge posts one review per task.
 */
export const reviewStep: StepDefinition = {
  name: 'review',
  timeoutMs: () => 300_000,
  maxAttempts: 4,
  onTimeout: {
    status: 'FAILED',
    error: taskError('STEP_TIMEOUT', 'Posting the review took too long.'),
  },
  async run({ task, emit }, deps) {
    // FINALIZING: an earlier attempt found the answer valid and began posting it.
    if (task.status !== 'RUNNING' && task.status !== 'FINALIZING') return 'skipped';
    const ctx = taskContext(task);
    const agent = task.outcome?.agent as AgentRecord | undefined;
    const retry = task.outcome?.review_retry as { error?: string } | undefined;
    // Re-run after a crash that followed setting the retry up (the run reopened, the answer set
    // aside): nothing left to do but go on to the second agent step.
    if (!agent && retry && task.status === 'RUNNING') {
      await emit('review.retry', { attempt: 2, error: retry.error ?? '' });
      return 'continue';
    }
    if (!ctx?.pr || !agent) {
      await endTask(
        deps,
        task.task_id,
        'FAILED',
        taskError('INTERNAL_ERROR', 'The review step found no pull request or no answer of the agent.'),
      );
      return 'stop';
    }
    const redactor = createRedactor(deps.secrets);
    const answer = agent.summary ?? '';
    const retried = retry !== undefined;
    const parsed = parseReviewOutput(answer);
    if (!parsed.ok) {
      const limit = limitFailure(agent);
      const willRetry = !retried && !limit;
      const error = redactor.redact(parsed.error);
      // A run that stopped on a limit or a failure with no answer at all is that stop, not a bad answer.
      if (!limit || answer.trim() !== '') {
        await emit('review.output_invalid', {
          attempt: retried ? 2 : 1,
          error,
          raw: redactor.redact(answer.slice(0, RAW_EVENT_CHARS)),
          raw_chars: answer.length,
          will_retry: willRetry,
        });
      }
      if (limit) {
        await endTask(deps, task.task_id, limit.status, limit.error);
        return 'stop';
      }
      if (!willRetry) {
        await endTask(
          deps,
          task.task_id,
          'FAILED',
          taskError('REVIEW_OUTPUT_INVALID', `The agent's review is not valid after a retry: ${error}`),
        );
        return 'stop';
      }
      // Reopened before the answer is set aside: a repeat after a crash reopens nothing twice.
      const reopened = (await deps.agentRuntime.reopen?.(task.task_id, retryMessage(parsed.error))) ?? false;
      if (!reopened) await deps.agentRuntime.forget?.(task.task_id);
      // The answer goes (it is in the event): the agent step runs again for the new one.
      const { agent: _first, ...rest } = task.outcome ?? {};
      await patchTask(deps.db, task.task_id, { outcome: { ...rest, review_retry: { error } } });
      await emit('review.retry', { attempt: 2, error });
      return 'continue';
    }

    // Posting: the task leaves RUNNING (a cancellation from here on finds it finalizing).
    if (
      task.status === 'RUNNING' &&
      !(await transition(deps.db, task.task_id, 'FINALIZING', { from: ['RUNNING'] }))
    )
      return 'stop';
    const number = ctx.pr.number;
    try {
      const repo = await repoRef(deps.db, task.repo);
      const pr = (await deps.forge.fetchContext(repo, { prNumber: number })).pullRequest;
      if (pr?.state !== 'open') {
        await endTask(
          deps,
          task.task_id,
          'FAILED',
          taskError(
            'PR_NOT_OPEN',
            `Pull request #${number} is ${pr?.state ?? 'gone'}; the review was not posted.`,
          ),
        );
        return 'stop';
      }
      // Lines are those of the diff the agent reviewed: a PR that moved on since gets them all
      // in the body, where a wrong line cannot mislead.
      const lines = pr.headSha === ctx.pr.headSha ? newSideLines(pr.diff) : undefined;
      const review = {
        ...parsed.review,
        summary: redactor.redact(parsed.review.summary),
        comments: parsed.review.comments.map((c) => ({ ...c, body: redactor.redact(c.body) })),
      };
      const placed = placeComments(review, lines);
      const posted = await deps.forge.postReview(
        repo,
        number,
        {
          commitSha: ctx.pr.headSha,
          verdict: review.verdict,
          body: placed.body,
          comments: placed.comments,
        },
        { taskId: task.task_id },
      );
      const prUrl = (await deps.forge.getPullRequest(repo, number))?.url ?? posted.url;
      await emit('review.posted', {
        pull_request: number,
        verdict: review.verdict,
        comments: placed.comments.length,
        moved: placed.moved.length,
        url: posted.url,
      });
      const result: ReviewOutcome = {
        verdict: review.verdict,
        comments: placed.comments.length,
        moved: placed.moved.length,
        url: posted.url,
      };
      const outcome = { ...(task.outcome ?? {}), review: result };
      await endTask(deps, task.task_id, 'COMPLETED', null, { pr_url: prUrl ?? null, outcome });
      return 'stop';
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
  },
};
