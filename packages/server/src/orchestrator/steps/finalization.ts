import { taskError } from '@abca/contracts';
import { pushGate } from '../../approvals/push-gate.ts';
import { getTask, patchTask } from '../../store/task-store.ts';
import { agentResult } from '../finalization/agent-result.ts';
import { blockedHosts } from '../finalization/blocked-hosts.ts';
import { endWithVerdict } from '../finalization/end-with-verdict.ts';
import { newTaskPrBody } from '../finalization/pr-body.ts';
import { takeWork, validationGate } from '../finalization/take-work.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { endOnTypedFailure } from '../typed-failure.ts';

/**
 * Commits leftovers, runs the validation gate against the baseline, pushes the branch from the
 * host, and opens exactly one PR per task (a retry finds the one it opened) — a draft when
 * validation failed or a limit stopped the agent. Then comments on the linked issue and ends the task.
 */
export const finalizationStep: StepDefinition = {
  name: 'finalization',
  timeoutMs: () => 45 * 60_000,
  maxAttempts: 4,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Finalization took too long.') },
  // On another machine than the agent's, the work comes back from the agent step's checkpoint.
  workspace: 'restored',
  async run(step, deps) {
    const { emit, signal } = step;
    const taken = await takeWork(step, deps);
    if (taken === 'stop') return 'stop';
    const { task, ctx, sandbox, capture } = taken;
    // Why the run stopped early, when it did: a limit, or a failure (stuck, a model error).
    const agent = agentResult(task);
    const { failure, limit } = agent;
    const { commits } = capture;
    if (commits.length === 0) {
      await deps.sandboxes.release(task.task_id);
      // A failed run that changed nothing ends with its own error, as before finalization existed for it.
      await endTask(deps, task.task_id, 'FAILED', failure ?? taskError('NO_CHANGES'));
      return 'stop';
    }
    const verdict = await validationGate(step, deps, ctx, sandbox);
    await deps.sandboxes.release(task.task_id);
    // A person approves the push first, when the repo's policy says so (docs/approvals.md).
    const approval = await pushGate(deps, {
      task,
      policy: ctx.settings.approvals,
      capture,
      validationPassed: verdict.passed,
    });
    if (approval.kind === 'await') return 'await';
    if (approval.kind === 'stop') return 'stop';
    if (approval.kind === 'end') {
      await endTask(deps, task.task_id, 'FAILED', approval.error);
      return 'stop';
    }
    const repo = await repoRef(deps.db, task.repo);
    const branch = task.branch_name as string;
    const blocked = await blockedHosts(deps.db, task.task_id);
    let prUrl: string;
    let prNumber: number;
    let draft: boolean;
    try {
      const pushed = await deps.workspaces.push(repo, {
        branch,
        baseCommit: ctx.baseCommit as string,
        capture,
        signal,
      });
      await emit('finalization.pushed', { branch, commit: pushed.commit, commits: commits.length });
      const body = newTaskPrBody(task, ctx, agent, verdict, limit, blocked);
      const wantDraft = !verdict.passed || limit !== null;
      let pr = await deps.forge.findPullRequest(repo, branch);
      if (!pr) {
        const title =
          (task.task_description ?? `Resolve #${task.issue_number ?? task.pr_number}`)
            .split('\n')[0]
            ?.slice(0, 72) || 'ABCA task';
        pr = await deps.forge.openPullRequest(repo, {
          branch,
          base: repo.defaultBranch,
          title,
          body,
          draft: wantDraft,
          taskId: task.task_id,
        });
        await emit('finalization.pr_opened', { number: pr.number, url: pr.url, draft: pr.draft });
      } else {
        pr = await deps.forge.updatePullRequest(repo, pr.number, { body });
      }
      ({ url: prUrl, number: prNumber, draft } = pr);
      // A task from GitHub links its PR in its one status comment (channels/github/notifier.ts).
      if (task.issue_number && task.channel !== 'github' && !task.outcome?.issue_commented) {
        await deps.forge.comment(
          repo,
          task.issue_number,
          `ABCA opened ${pr.url} for this issue (task ${task.task_id}).`,
          { taskId: task.task_id },
        );
        await patchTask(deps.db, task.task_id, {
          outcome: { ...(task.outcome ?? {}), issue_commented: true },
        });
      }
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
    const outcome = {
      ...((await getTask(deps.db, task.task_id))?.outcome ?? {}),
      pr: { number: prNumber, url: prUrl, draft },
      commits,
      // The files the commits change, computed on the host (the task's episode lists them).
      ...(capture.paths ? { files: capture.paths } : {}),
      validation: verdict,
    };
    await endWithVerdict(deps, task.task_id, agent, verdict, { pr_url: prUrl, outcome });
    return 'stop';
  },
};
