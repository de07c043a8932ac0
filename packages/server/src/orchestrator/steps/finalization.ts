import { type TaskError, type TaskFailureCode, taskError } from '@abca/contracts';
import type { AgentOutcome } from '../../ports/agent-runtime.ts';
import type { WorkCapture } from '../../ports/workspaces.ts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask, patchTask, transition } from '../../store/task-store.ts';
import { repoRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import type { TaskContext } from '../task-context.ts';
import { endOnTypedFailure } from '../typed-failure.ts';
import { type GateVerdict, judge, runRepoChecks } from '../workspace/checks.ts';
import { runFailure } from './run-failure.ts';

const LIMIT_ERRORS: Partial<Record<AgentOutcome, TaskError>> = {
  max_turns: taskError('MAX_TURNS_REACHED'),
  budget_exceeded: taskError('BUDGET_EXCEEDED'),
  timed_out: taskError('STEP_TIMEOUT', 'The agent ran out of wall time; the work so far is in a draft PR.'),
};

const SUMMARY_CHARS = 20_000;

function prBody(
  task: TaskRow,
  ctx: TaskContext,
  agent: { summary?: string },
  verdict: GateVerdict,
  limit: TaskError | null,
  blocked: string[],
): string {
  // The model's own words: bounded, as forges bound a PR body (GitHub: 65,536 characters).
  const summary = agent.summary?.trim().slice(0, SUMMARY_CHARS);
  const lines = [`${summary || 'Changes made by ABCA.'}`];
  if (task.issue_number) lines.push(`Resolves #${task.issue_number}`);
  lines.push(
    '',
    `### Validation (${verdict.mode}): ${verdict.passed ? 'passed' : `failed (${verdict.failing.join(', ')})`}`,
  );
  if (verdict.checks.length === 0)
    lines.push('No build, test or lint command is configured for this repository.');
  for (const c of verdict.checks) {
    const before = c.baselineOk === null ? '' : ` (baseline: ${c.baselineOk ? 'pass' : 'fail'})`;
    lines.push(`- ${c.ok ? '✅' : '❌'} ${c.name}: \`${c.command}\` exit ${c.exitCode ?? c.killed}${before}`);
    if (!c.ok && c.outputTail) lines.push('', '```', c.outputTail.slice(-3000), '```');
  }
  if (limit) lines.push('', `**Stopped early** (${limit.code}): ${limit.message}`);
  if (blocked.length) lines.push('', `Network requests the sandbox blocked: ${blocked.join(', ')}`);
  if (ctx.warnings.length) lines.push('', ...ctx.warnings.map((w) => `> ${w}`));
  lines.push(
    '',
    `<sub>ABCA task ${task.task_id}: ${task.turns} turns, ${task.input_tokens} input / ${task.output_tokens} output tokens, $${task.cost_usd.toFixed(4)}.</sub>`,
  );
  return lines.join('\n');
}

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
  async run({ task: initial, emit, signal, workspace }, deps) {
    if (initial.status === 'RUNNING') {
      if (!(await transition(deps.db, initial.task_id, 'FINALIZING', { from: ['RUNNING'] }))) return 'stop';
    } else if (initial.status !== 'FINALIZING') {
      return 'stop';
    }
    const task = (await getTask(deps.db, initial.task_id)) ?? initial;
    let ws: Awaited<ReturnType<typeof workspace>>;
    let capture: WorkCapture;
    try {
      ws = await workspace();
      if (!ws.ok) {
        await endTask(deps, task.task_id, 'FAILED', ws.error);
        return 'stop';
      }
      // The work, taken out of the sandbox and verified on the host: what is pushed and listed.
      capture = await deps.taskWorkspaces.capture(task, ws.ctx, ws.sandbox, signal);
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
    const { ctx, sandbox } = ws;
    const agent = (task.outcome?.agent ?? {}) as {
      outcome?: AgentOutcome;
      summary?: string;
      error?: { code: TaskFailureCode; message: string } | null;
    };
    // Why the run stopped early, when it did: a limit, or a failure (stuck, a model error).
    const failure = runFailure(agent.outcome ?? 'completed', agent.error);
    const limit = LIMIT_ERRORS[agent.outcome ?? 'completed'] ?? failure ?? null;
    const { commits } = capture;
    if (commits.length === 0) {
      await deps.sandboxes.release(task.task_id);
      // A failed run that changed nothing ends with its own error, as before finalization existed for it.
      await endTask(deps, task.task_id, 'FAILED', failure ?? taskError('NO_CHANGES'));
      return 'stop';
    }
    const verdict = judge(
      ctx.settings.validation_mode ?? 'regression_only',
      ctx.baseline ?? [],
      await runRepoChecks(sandbox, ctx.settings, { secrets: deps.secrets, signal }),
    );
    await emit('finalization.validation', {
      mode: verdict.mode,
      passed: verdict.passed,
      failing: verdict.failing,
      checks: verdict.checks.map((c) => ({
        name: c.name,
        ok: c.ok,
        exit_code: c.exitCode,
        baseline_ok: c.baselineOk,
      })),
    });
    await deps.sandboxes.release(task.task_id);
    const repo = await repoRef(deps.db, task.repo);
    const branch = task.branch_name as string;
    const blocked = (
      await deps.db.query<{ host: string }>(
        `SELECT DISTINCT concat(data->>'host', coalesce(' (' || replace(data->>'reason', '_', ' ') || ')', '')) AS host
         FROM task_events WHERE task_id = $1 AND type = 'sandbox.egress_blocked' LIMIT 50`,
        [task.task_id],
      )
    ).rows.map((r) => r.host);
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
      const body = prBody(task, ctx, agent, verdict, limit, blocked);
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
      validation: verdict,
    };
    if (agent.outcome === 'timed_out') {
      await endTask(deps, task.task_id, 'TIMED_OUT', limit, { pr_url: prUrl, outcome });
    } else if (limit) {
      await endTask(deps, task.task_id, 'FAILED', limit, { pr_url: prUrl, outcome });
    } else if (!verdict.passed) {
      await endTask(
        deps,
        task.task_id,
        'FAILED',
        taskError(
          'VALIDATION_FAILED',
          `Validation failed (${verdict.failing.join(', ')}); the draft PR holds the output.`,
        ),
        { pr_url: prUrl, outcome },
      );
    } else {
      await endTask(deps, task.task_id, 'COMPLETED', null, { pr_url: prUrl, outcome });
    }
    return 'stop';
  },
};
