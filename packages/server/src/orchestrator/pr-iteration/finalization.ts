import { taskError } from '@abca/contracts';
import { getTask, patchTask } from '../../store/task-store.ts';
import { agentResult } from '../finalization/agent-result.ts';
import { blockedHosts } from '../finalization/blocked-hosts.ts';
import { endWithVerdict } from '../finalization/end-with-verdict.ts';
import { prCostLine, replaceValidationSection, validationSection } from '../finalization/pr-body.ts';
import { prCost } from '../finalization/pr-cost.ts';
import { takeWork, validationGate } from '../finalization/take-work.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import { answerThreads, firstEvent, hasEvent } from './answer-threads.ts';
import { pushToPullRequest } from './push-to-pr.ts';
import { parseThreadReplies } from './replies.ts';

/**
 * Finalization of an iteration: the work taken out and validated as for a new task; then, if the
 * pull request is still open, the commits pushed fast-forward to its branch (never a new branch,
 * never a second PR), a reply in each thread the agent answered (resolved when a change was
 * pushed), and the PR body's validation and cost section rewritten. Safe to re-run after a crash:
 * a push already made is seen on the remote, replies are one per task and thread.
 */
export const iterationFinalizationStep: StepDefinition = {
  name: 'finalization',
  timeoutMs: () => 45 * 60_000,
  maxAttempts: 4,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Finalization took too long.') },
  workspace: 'restored',
  async run(step, deps) {
    const { emit, signal } = step;
    const taken = await takeWork(step, deps);
    if (taken === 'stop') return 'stop';
    const { task, ctx, sandbox, capture } = taken;
    const agent = agentResult(task);
    const pr = ctx.pr;
    if (!pr || !ctx.baseCommit) {
      await endTask(
        deps,
        task.task_id,
        'FAILED',
        taskError('INTERNAL_ERROR', 'The iteration has no pull request.'),
      );
      return 'stop';
    }
    const threads = ctx.iteration?.threads ?? [];
    const replies = parseThreadReplies(agent.summary, threads);
    const { commits } = capture;
    if (commits.length === 0 && replies.length === 0) {
      await deps.sandboxes.release(task.task_id);
      await endTask(deps, task.task_id, 'FAILED', agent.failure ?? taskError('NO_CHANGES'));
      return 'stop';
    }
    // Nothing changed (a question answered): nothing to validate, nothing to push.
    const verdict = commits.length > 0 ? await validationGate(step, deps, ctx, sandbox) : null;
    await deps.sandboxes.release(task.task_id);
    const repo = await repoRef(deps.db, task.repo);
    let url: string;
    let draft: boolean;
    let commit: string | null = null;
    let answered = 0;
    try {
      // Right before pushing: a PR merged or closed meanwhile gets nothing (unless this task
      // pushed already, before a crash: its replies are still owed).
      const info = await deps.forge.getPullRequest(repo, pr.number);
      const pushedBefore = (await firstEvent(deps.db, task.task_id, 'finalization.pushed'))?.commit;
      if (!info || (info.state !== 'open' && typeof pushedBefore !== 'string')) {
        await endTask(
          deps,
          task.task_id,
          'FAILED',
          taskError(
            'PR_NOT_OPEN',
            `Pull request #${pr.number} is ${info?.state ?? 'gone'}; nothing was pushed.`,
          ),
        );
        return 'stop';
      }
      ({ url, draft } = info);
      if (typeof pushedBefore === 'string') {
        commit = pushedBefore;
      } else if (commits.length > 0) {
        const taskId = task.task_id;
        const result = await pushToPullRequest(deps.workspaces, repo, {
          branch: pr.branch,
          baseCommit: ctx.baseCommit,
          capture,
          rebased: {
            recorded: (task.outcome?.rebased_head as string | undefined) ?? undefined,
            record: async (head) => {
              const now = (await getTask(deps.db, taskId))?.outcome ?? {};
              await patchTask(deps.db, taskId, { outcome: { ...now, rebased_head: head } });
            },
          },
          signal,
        });
        commit = result.commit;
        await emit('finalization.pushed', {
          branch: pr.branch,
          commit,
          commits: commits.length,
          ...(result.rebased ? { rebased: true } : {}),
        });
      }
      answered = await answerThreads(deps, emit, {
        repo,
        number: pr.number,
        taskId: task.task_id,
        threads,
        replies,
        commit,
      });
      if (verdict) {
        const current = (await deps.forge.fetchContext(repo, { prNumber: pr.number })).pullRequest;
        const cost = await prCost(deps.db, task.repo, pr.branch);
        const section = validationSection({
          verdict,
          limit: agent.limit,
          blocked: await blockedHosts(deps.db, task.task_id),
          warnings: ctx.warnings,
          cost: prCostLine(cost, task.task_id),
          rules: ctx.memory?.rules ?? [],
        });
        await deps.forge.updatePullRequest(repo, pr.number, {
          body: replaceValidationSection(current?.body ?? '', section),
        });
        if (!(await hasEvent(deps.db, task.task_id, 'pr.body_updated')))
          await emit('pr.body_updated', { pull_request: pr.number, tasks: cost.tasks });
      }
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
    const outcome = {
      ...((await getTask(deps.db, task.task_id))?.outcome ?? {}),
      pr: { number: pr.number, url, draft },
      commits,
      ...(capture.paths ? { files: capture.paths } : {}),
      ...(verdict ? { validation: verdict } : {}),
      iteration: { commit, replies: answered },
    };
    await endWithVerdict(deps, task.task_id, agent, verdict, { pr_url: url, outcome }, 'the PR');
    return 'stop';
  },
};
