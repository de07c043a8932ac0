import { z } from 'zod';
import { ONBOARDING_FAILURE_CODES } from './onboarding.ts';

/** Error codes the API answers with; each maps to one HTTP status in the server. */
export const API_ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'TASK_NOT_FOUND',
  'API_KEY_NOT_FOUND',
  'REPO_NOT_ONBOARDED',
  'DUPLICATE_TASK',
  'TASK_ALREADY_TERMINAL',
  'PAYLOAD_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
  'RATE_LIMITED',
  'BUDGET_EXCEEDED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
  /** 401: a channel delivery whose signature is missing or wrong, or whose timestamp is outside the window. */
  'SIGNATURE_INVALID',
  /** 409: a signed delivery whose id was seen before (a replay); nothing is created. */
  'DELIVERY_REPLAYED',
  /** 404: no such webhook (or it was deleted). */
  'WEBHOOK_NOT_FOUND',
  /** 404: no such ABCA user. */
  'USER_NOT_FOUND',
  /** 409: the external identity is linked to another user already. */
  'IDENTITY_TAKEN',
  /** 404: the identity is not linked to this user. */
  'IDENTITY_NOT_FOUND',
  /** 404: the channel is not configured on this server (its secret or token is unset). */
  'CHANNEL_NOT_CONFIGURED',
  /** 404: no such pull request (a plain-git change request) in the repo, or not the caller's. */
  'PR_NOT_FOUND',
  /** 409: the pull request is merged or closed; it takes no more reviews, comments or merges. */
  'PR_NOT_OPEN',
  /** 409: merging the pull request would conflict with its base; nothing was changed. */
  'MERGE_CONFLICT',
  /** 422: a line comment names a file or line the pull request's diff does not hold. */
  'LINE_NOT_IN_DIFF',
  /** 404: no such memory record in the repo (or it was forgotten, or faded). */
  'MEMORY_NOT_FOUND',
  /** 404: the task has no approval request (or not the one named). */
  'APPROVAL_NOT_FOUND',
  /** 409: the task is not waiting for this decision any more (decided, expired, or the task ended). */
  'APPROVAL_NOT_PENDING',
  /** 422: onboarding found the remote unusable (see `ONBOARDING_FAILURES`). */
  ...ONBOARDING_FAILURE_CODES,
] as const;
export const ApiErrorCode = z.enum(API_ERROR_CODES);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/**
 * The remedy of an API error, where one applies to every instance of the code (the message says
 * the specifics: who spent what of which budget).
 */
export const API_ERROR_REMEDIES: Partial<Record<ApiErrorCode, string>> = {
  BUDGET_EXCEEDED:
    "Wait for the next calendar month (UTC), or have an admin raise the budget: a repo's with `abca repos update <repo> --monthly-budget-usd <usd>`, a user's with `abca budget set <user> <usd>`.",
};

/** What a failed task carries: a code, a remedy, and whether resubmitting could help. */
export interface TaskFailureKind {
  message: string;
  remedy: string;
  retryable: boolean;
}

/** The catalogue of typed task failures, with the default human text for each. */
export const TASK_FAILURES = {
  REPO_NOT_FOUND_OR_NO_ACCESS: {
    message: 'The repository could not be found or the platform has no access to it.',
    remedy: 'Check the repository name and the forge credentials, then resubmit.',
    retryable: false,
  },
  GITHUB_UNREACHABLE: {
    message: 'The forge could not be reached.',
    remedy: 'Check network access to the forge and resubmit.',
    retryable: true,
  },
  INSUFFICIENT_PERMISSIONS: {
    message: 'The credentials cannot push to the repository.',
    remedy: 'Grant the token or app write access to contents and pull requests.',
    retryable: false,
  },
  BRANCH_EXISTS: {
    message: "The task's branch already exists on the remote.",
    remedy: 'Delete the branch on the remote, or resubmit (a new task gets a new branch).',
    retryable: false,
  },
  WORKSPACE_LOST: {
    message:
      "The task's workspace was lost with the worker that held it, and no checkpoint of the agent's work was saved.",
    remedy:
      'Resubmit the task. Workers on several machines keep a checkpoint after the agent step; check the worker logs for why it was missing.',
    retryable: true,
  },
  REPO_TOO_LARGE: {
    message: "The repository's default branch is too large to check out in a sandbox.",
    remedy:
      'Check the repository for generated or huge files; the limits are ABCA_WORKSPACE_MAX_FILES and the sandbox disk limit.',
    retryable: false,
  },
  WORK_TOO_LARGE: {
    message: "The agent's work is too large to take out of the sandbox.",
    remedy:
      'Read the task events for what was too large (often a committed build output or data file); narrow the task and resubmit.',
    retryable: false,
  },
  WORKSPACE_CORRUPT: {
    message: "The task's repository was broken inside the sandbox, so its work could not be read.",
    remedy:
      "Read the task events for what was wrong with the workspace's repository; resubmit, telling the agent not to rewrite git internals.",
    retryable: false,
  },
  NO_CHANGES: {
    message: 'The agent finished without changing anything.',
    remedy: 'Read the task events for why, make the task description more specific and resubmit.',
    retryable: false,
  },
  SETUP_FAILED: {
    message: "The repository's setup command failed.",
    remedy: "Fix the repo's setup command (see the task events for its output) and resubmit.",
    retryable: false,
  },
  SANDBOX_UNAVAILABLE: {
    message: 'The sandbox backend could not start.',
    remedy: 'Run `abca doctor` on the worker and install what it names (for example bubblewrap).',
    retryable: true,
  },
  MODEL_UNAVAILABLE: {
    message: 'The model could not be reached or refused the request.',
    remedy: 'Check ABCA_MODEL and the provider key; resubmit when the provider is healthy.',
    retryable: true,
  },
  MODEL_NOT_CONFIGURED: {
    message: 'No usable model is configured.',
    remedy: 'Set ABCA_MODEL (e.g. anthropic:claude-sonnet-4-5) and the provider key, then resubmit.',
    retryable: false,
  },
  BUDGET_EXCEEDED: {
    message: 'The task reached its budget; the work done so far was kept.',
    remedy:
      'Review the partial work, or resubmit with a larger max_budget_usd; when a monthly budget was spent, wait for the next month (UTC) or have an admin raise it (`abca repos update <repo> --monthly-budget-usd <usd>`, `abca budget set <user> <usd>`).',
    retryable: false,
  },
  MAX_TURNS_REACHED: {
    message: 'The agent used all its turns; the work done so far was kept.',
    remedy: 'Review the partial work, or resubmit with a larger max_turns or a narrower task.',
    retryable: false,
  },
  AGENT_STUCK: {
    message: 'The agent kept repeating failing actions and was stopped.',
    remedy: 'Read the task events, clarify the task description and resubmit.',
    retryable: false,
  },
  AGENT_FAILED: {
    message: 'The agent run failed.',
    remedy: 'Read the task events for the cause and resubmit.',
    retryable: true,
  },
  VALIDATION_FAILED: {
    message: "The change does not pass the repository's checks.",
    remedy: 'Review the draft pull request and the failing output in its body.',
    retryable: false,
  },
  PR_NOT_OPEN: {
    message: 'The pull request was merged or closed before the task could act on it.',
    remedy: 'Nothing was pushed. Open a new task (or reopen the pull request) if more work is needed.',
    retryable: false,
  },
  PR_BRANCH_GONE: {
    message: "The pull request's branch was deleted or rewritten on the remote.",
    remedy: 'Restore the branch (or push it again) and resubmit the iteration, or start a new task.',
    retryable: false,
  },
  PUSH_CONFLICT: {
    message: 'Someone pushed to the branch meanwhile and the work could not be rebased onto it.',
    remedy: 'Nothing was pushed. Resolve the conflict by hand, or resubmit the iteration on the new head.',
    retryable: true,
  },
  REVIEW_OUTPUT_INVALID: {
    message: 'The agent did not produce a review in the expected format.',
    remedy: 'The raw output is in the task events (review.output_invalid). Resubmit, or try another model.',
    retryable: true,
  },
  PUSH_REJECTED: {
    message: 'The forge rejected the push.',
    remedy: 'Check branch protection rules and the token permissions.',
    retryable: false,
  },
  APPROVAL_DENIED: {
    message: 'A person denied the request the task was waiting on; nothing was pushed.',
    remedy: 'Read the reason in the task events (approval.decided), change the task and resubmit.',
    retryable: false,
  },
  APPROVAL_TIMEOUT: {
    message: 'Nobody approved or denied the request in time; the timeout denied it and nothing was pushed.',
    remedy:
      "Resubmit when someone can decide, or raise the repo's approval timeout (`abca repos update <repo> --approvals '{\"timeout_s\": ...}'`).",
    retryable: true,
  },
  STEP_TIMEOUT: {
    message: 'A step of the task took longer than its time limit.',
    remedy: 'Resubmit; if it happens again, raise the step timeout or check the worker.',
    retryable: true,
  },
  QUEUE_TIMEOUT: {
    message: 'The task waited in the queue longer than allowed.',
    remedy: 'Resubmit when fewer tasks are running, or raise the concurrency caps.',
    retryable: true,
  },
  INTERNAL_ERROR: {
    message: 'The platform failed while running the task.',
    remedy: 'Resubmit; if it happens again, check the server logs for the request id.',
    retryable: true,
  },
} as const satisfies Record<string, TaskFailureKind>;

export type TaskFailureCode = keyof typeof TASK_FAILURES;
export const TaskFailureCode = z.enum(Object.keys(TASK_FAILURES) as [TaskFailureCode, ...TaskFailureCode[]]);

/** The error block of a failed task. */
export const TaskError = z.object({
  code: z.string(),
  message: z.string(),
  remedy: z.string(),
  retryable: z.boolean(),
});
export type TaskError = z.infer<typeof TaskError>;

/** Builds the error block of a failed task from its code, with an optional more specific message. */
export function taskError(code: TaskFailureCode, message?: string): TaskError {
  const kind = TASK_FAILURES[code];
  return { code, message: message ?? kind.message, remedy: kind.remedy, retryable: kind.retryable };
}
