import type { ChannelRef, CreateTaskRequest } from '@abca/contracts';
import { unpricedBudgetWarnings } from '../api/task-budget.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../ops/errors.ts';
import type { Logger } from '../ops/logger.ts';
import type { Orchestrator } from '../orchestrator/engine.ts';
import type { Db } from '../storage/db.ts';
import { readCreationContext } from '../store/creation-context.ts';
import type { TaskRow } from '../store/task-row.ts';
import { createTask, findByIdempotencyKey, getTask } from '../store/task-store.ts';

/** What the gateway needs: the database, the orchestrator to wake, and the task defaults. */
export interface GatewayDeps {
  db: Db;
  log: Logger;
  orchestrator: Pick<Orchestrator, 'admit'>;
  config: Pick<Config, 'defaultMaxTurns' | 'defaultMaxBudgetUsd' | 'model' | 'prices'>;
}

export interface TaskSubmission {
  /** The ABCA user the task is made as (a channel's sender is resolved to one: identities.ts). */
  userId: string;
  body: CreateTaskRequest;
  /**
   * Makes the submission idempotent: a second submission with the same key is answered with the
   * first task. Channels derive it from their delivery id (`github:<X-GitHub-Delivery>`), so a
   * delivery seen twice creates one task.
   */
  idempotencyKey?: string;
  /** Where the task came from; default the API. */
  channelRef?: ChannelRef;
}

export type SubmissionResult =
  | { kind: 'created'; task: TaskRow; warnings: string[] }
  | { kind: 'replay'; task: TaskRow };

/**
 * The one way a task is made, whatever the channel (API, CLI, signed webhook, GitHub, Slack): the
 * same validation, budgets, idempotency and ownership, then the orchestrator is woken. Throws
 * {@link AppError} (REPO_NOT_ONBOARDED, BUDGET_EXCEEDED, DUPLICATE_TASK) for a channel to turn into
 * its own answer. The body must already be a parsed {@link CreateTaskRequest}.
 */
export async function submitTask(deps: GatewayDeps, input: TaskSubmission): Promise<SubmissionResult> {
  const { body } = input;
  // The repo's settings and both monthly budgets' verdict, in one read.
  const context = await readCreationContext(deps.db, { userId: input.userId, repo: body.repo }, new Date());
  if (!context) {
    throw new AppError(
      'REPO_NOT_ONBOARDED',
      `Repository ${body.repo} is not onboarded: an admin adds it with \`abca repos add ${body.repo}\`.`,
      { details: [{ field: 'repo', message: 'not onboarded' }] },
    );
  }
  const { settings, spent } = context;
  // A replay of a task already created is answered as before, whatever was spent since.
  const replay = input.idempotencyKey
    ? await createTaskReplay(deps.db, input.idempotencyKey, input.userId)
    : undefined;
  if (replay) return replay;
  if (spent) {
    throw new AppError('BUDGET_EXCEEDED', spent.message, {
      details: [
        {
          field: spent.scope === 'user' ? 'user.monthly_budget_usd' : 'repo.settings.monthly_budget_usd',
          message: `$${spent.spentUsd.toFixed(2)} spent of $${spent.budgetUsd.toFixed(2)} this month`,
        },
      ],
    });
  }
  const maxBudgetUsd = body.max_budget_usd ?? settings.max_budget_usd ?? deps.config.defaultMaxBudgetUsd;
  const created = await createTask(deps.db, {
    ...body,
    user_id: input.userId,
    max_turns: body.max_turns ?? settings.max_turns ?? deps.config.defaultMaxTurns,
    ...(maxBudgetUsd !== undefined ? { max_budget_usd: maxBudgetUsd } : {}),
    ...(input.idempotencyKey ? { idempotency_key: input.idempotencyKey } : {}),
    ...(input.channelRef ? { channel_ref: input.channelRef } : {}),
  });
  if (created.kind === 'conflict') {
    throw new AppError(
      'DUPLICATE_TASK',
      'This Idempotency-Key was already used by another user; choose a new key.',
    );
  }
  if (created.kind === 'replay') return { kind: 'replay', task: created.task };
  deps.log.info(
    { taskId: created.task.task_id, repo: body.repo, channel: created.task.channel },
    'task created',
  );
  // Admission decides now (the answer says whether the task runs or waits, and where in line); the
  // workflow starts after the answer. The task is stored: if this process dies from here on, the
  // admission and the reconciler of any process take it up (engine.ts, reconciler.ts).
  await deps.orchestrator.admit();
  const fresh = (await getTask(deps.db, created.task.task_id)) ?? created.task;
  const warnings = unpricedBudgetWarnings({
    model: settings.model ?? deps.config.model,
    prices: deps.config.prices,
    maxBudgetUsd: fresh.max_budget_usd,
    monthlyBudget: settings.monthly_budget_usd !== undefined,
  });
  return { kind: 'created', task: fresh, warnings };
}

async function createTaskReplay(db: Db, key: string, userId: string): Promise<SubmissionResult | undefined> {
  const existing = await findByIdempotencyKey(db, key);
  if (!existing) return undefined;
  if (existing.user_id !== userId)
    throw new AppError(
      'DUPLICATE_TASK',
      'This Idempotency-Key was already used by another user; choose a new key.',
    );
  return { kind: 'replay', task: existing };
}
