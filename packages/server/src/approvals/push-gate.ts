import { type ApprovalPolicy, taskError } from '@abca/contracts';
import type { WorkCapture } from '../ports/workspaces.ts';
import type { TaskRow } from '../store/task-row.ts';
import { type GateDeps, gate } from './gate.ts';

/** What a denial or the timeout does to the task: the finalization step ends it so, nothing pushed. */
export type PushGateResult =
  | { kind: 'push' }
  | { kind: 'await' }
  | { kind: 'stop' }
  | { kind: 'end'; error: ReturnType<typeof taskError> };

/**
 * The push gate (docs/approvals.md): after the validation gate and before anything leaves the
 * host, a repo whose policy says `push: true` asks a person. Approved: the push goes on. Denied:
 * the task ends FAILED with APPROVAL_DENIED and the reason; the timeout: APPROVAL_TIMEOUT. The
 * work stays nowhere but the task's events: nothing is pushed.
 */
export async function pushGate(
  deps: GateDeps,
  input: {
    task: TaskRow;
    policy: ApprovalPolicy | undefined;
    capture: WorkCapture;
    validationPassed: boolean | null;
  },
): Promise<PushGateResult> {
  if (!input.policy?.push) return { kind: 'push' };
  const { task, capture } = input;
  const paths = capture.paths ?? [];
  const diffStat = [
    `${capture.commits.length} commit${capture.commits.length === 1 ? '' : 's'}, ${paths.length} file${paths.length === 1 ? '' : 's'} changed`,
    ...capture.commits.map((c) => `  ${c.sha.slice(0, 7)} ${c.subject.slice(0, 120)}`),
    ...paths.map((p) => `  ${p}`),
  ]
    .join('\n')
    .slice(0, 20_000);
  const answer = await gate(deps, {
    task,
    step: 'finalization',
    key: 'push',
    policy: input.policy,
    request: {
      gate: 'push',
      branch: task.branch_name ?? '',
      commits: capture.commits.length,
      diff_stat: diffStat,
      validation_passed: input.validationPassed,
    },
  });
  switch (answer.kind) {
    case 'approved':
      return { kind: 'push' };
    case 'wait':
      return { kind: 'await' };
    case 'stop':
      return { kind: 'stop' };
    case 'denied':
      return {
        kind: 'end',
        error: taskError(
          'APPROVAL_DENIED',
          `${answer.approval.decided_by} denied the push${answer.approval.reason ? `: ${answer.approval.reason}` : '.'} Nothing was pushed.`,
        ),
      };
    case 'expired':
      return { kind: 'end', error: taskError('APPROVAL_TIMEOUT') };
  }
}
