import { type TaskError, taskError } from '@abca/contracts';
import type { AgentOutcome } from '../../ports/agent-runtime.ts';
import { getTask, transition } from '../../store/task-store.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';

const LIMIT_ERRORS: Partial<Record<AgentOutcome, TaskError>> = {
  max_turns: taskError('MAX_TURNS_REACHED'),
  budget_exceeded: taskError('BUDGET_EXCEEDED'),
};

/**
 * Pushes the agent's branch from the host and opens exactly one PR (a retry finds the one it
 * opened), then ends the task: COMPLETED, or the limit it hit with the work kept in a draft PR.
 */
export const finalizationStep: StepDefinition = {
  name: 'finalization',
  timeoutMs: () => 600_000,
  maxAttempts: 4,
  onTimeout: { status: 'FAILED', error: taskError('STEP_TIMEOUT', 'Finalization took too long.') },
  async run({ task, emit }, deps) {
    if (task.status === 'RUNNING') {
      if (!(await transition(deps.db, task.task_id, 'FINALIZING', { from: ['RUNNING'] }))) return 'stop';
    } else if (task.status !== 'FINALIZING') {
      return 'stop';
    }
    const agent = (task.outcome?.agent ?? {}) as {
      outcome?: AgentOutcome;
      commit?: string | null;
      summary?: string;
    };
    const outcome = agent.outcome ?? 'completed';
    if (!agent.commit) {
      await endTask(
        deps,
        task.task_id,
        'FAILED',
        taskError('AGENT_FAILED', 'The agent finished without committing any change.'),
      );
      return 'stop';
    }
    const repo = await repoRef(deps.db, task.repo);
    const branch = task.branch_name as string;
    if ((await deps.forge.getBranchHead(repo, branch)) !== agent.commit) {
      await deps.forge.pushBranch(repo, branch, agent.commit);
      await emit('finalization.pushed', { branch, commit: agent.commit });
    }
    const limitError =
      LIMIT_ERRORS[outcome] ??
      (outcome === 'timed_out'
        ? taskError('STEP_TIMEOUT', 'The agent ran out of wall time; the work so far is in a draft PR.')
        : null);
    let pr = await deps.forge.findPullRequest(repo, branch);
    if (!pr) {
      const fresh = await getTask(deps.db, task.task_id);
      const title =
        (task.task_description ?? `Issue #${task.issue_number ?? task.pr_number}`)
          .split('\n')[0]
          ?.slice(0, 72) ?? 'ABCA task';
      pr = await deps.forge.openPullRequest(repo, {
        branch,
        base: repo.defaultBranch,
        title,
        body: [
          agent.summary ?? '',
          task.issue_number ? `Resolves #${task.issue_number}` : '',
          `Task ${task.task_id}: ${fresh?.turns ?? 0} turns, ${fresh?.input_tokens ?? 0} input / ${fresh?.output_tokens ?? 0} output tokens, $${(fresh?.cost_usd ?? 0).toFixed(4)}.`,
          limitError ? `Stopped early: ${limitError.message}` : '',
        ]
          .filter(Boolean)
          .join('\n\n'),
        draft: limitError !== null,
      });
      await emit('finalization.pr_opened', { number: pr.number, url: pr.url, draft: pr.draft });
    }
    const outcomeBlock = { ...(task.outcome ?? {}), pr: { number: pr.number, url: pr.url, draft: pr.draft } };
    if (outcome === 'timed_out') {
      await endTask(deps, task.task_id, 'TIMED_OUT', limitError, { pr_url: pr.url, outcome: outcomeBlock });
    } else {
      await endTask(deps, task.task_id, limitError ? 'FAILED' : 'COMPLETED', limitError, {
        pr_url: pr.url,
        outcome: outcomeBlock,
      });
    }
    return 'stop';
  },
};
