import type { ChannelRef, CreateTaskRequest } from '@abca/contracts';
import { unpricedBudgetWarnings } from '../api/task-budget.ts';
import { type QueueEstimate, queueEstimateOf } from '../api/task-queue.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../ops/errors.ts';
import type { Logger } from '../ops/logger.ts';
import type { Orchestrator } from '../orchestrator/engine.ts';
import type { Db } from '../storage/db.ts';
import { spentBudget } from '../store/monthly-budgets.ts';
import { newTask, type WaitingInLine } from '../store/task-creations.ts';
import type { TaskRow } from '../store/task-row.ts';

/** What the gateway needs: the database, the orchestrator that stores and admits, and the task defaults. */
export interface GatewayDeps {
  db: Db;
  log: Logger;
  orchestrator: Pick<Orchestrator, 'admit' | 'create'>;
  config: Pick<Config, 'defaultMaxTurns' | 'defaultMaxBudgetUsd' | 'model' | 'prices' | 'caps'>;
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

/**
 * The task as stored after admission; `queue`: its place in line and estimated wait when it waits
 * for a slot.
 */
export type SubmissionResult =
  | { kind: 'created'; task: TaskRow; warnings: string[]; queue: QueueEstimate | undefined }
  | { kind: 'replay'; task: TaskRow; queue: QueueEstimate | undefined };

/**
 * The one way a task is made, whatever the channel (API, CLI, signed webhook, GitHub, Slack): the
 * same validation, budgets, idempotency and ownership, checked and stored with admission's decision
 * in one statement with the creations asked for at the same moment (the orchestrator's `create`,
 * migration 027). Throws
 * {@link AppError} (REPO_NOT_ONBOARDED, BUDGET_EXCEEDED, DUPLICATE_TASK) for a channel to turn into
 * its own answer. The body must already be a parsed {@link CreateTaskRequest}.
 */
export async function submitTask(deps: GatewayDeps, input: TaskSubmission): Promise<SubmissionResult> {
  const { body } = input;
  const at = new Date();
  const outcome = await deps.orchestrator.create(
    newTask({
      body,
      userId: input.userId,
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(input.channelRef ? { channelRef: input.channelRef } : {}),
      defaultMaxTurns: deps.config.defaultMaxTurns,
      ...(deps.config.defaultMaxBudgetUsd !== undefined
        ? { defaultMaxBudgetUsd: deps.config.defaultMaxBudgetUsd }
        : {}),
    }),
  );
  switch (outcome.kind) {
    case 'not_onboarded':
      throw new AppError(
        'REPO_NOT_ONBOARDED',
        `Repository ${body.repo} is not onboarded: an admin adds it with \`abca repos add ${body.repo}\`.`,
        { details: [{ field: 'repo', message: 'not onboarded' }] },
      );
    case 'conflict':
      throw new AppError(
        'DUPLICATE_TASK',
        'This Idempotency-Key was already used by another user; choose a new key.',
      );
    case 'budget': {
      const name = outcome.scope === 'user' ? input.userId : body.repo;
      const spent = spentBudget(outcome.scope, name, outcome.budgetUsd, outcome.spentUsd, at);
      throw new AppError('BUDGET_EXCEEDED', spent.message, {
        details: [
          {
            field: spent.scope === 'user' ? 'user.monthly_budget_usd' : 'repo.settings.monthly_budget_usd',
            message: `$${spent.spentUsd.toFixed(2)} spent of $${spent.budgetUsd.toFixed(2)} this month`,
          },
        ],
      });
    }
    case 'replay':
      return { kind: 'replay', task: outcome.task, queue: queueOf(deps.config, outcome.waiting) };
    case 'created': {
      const { task, settings } = outcome;
      deps.log.info({ taskId: task.task_id, repo: body.repo, channel: task.channel }, 'task created');
      const warnings = unpricedBudgetWarnings({
        model: settings.model ?? deps.config.model,
        prices: deps.config.prices,
        maxBudgetUsd: task.max_budget_usd,
        monthlyBudget: settings.monthly_budget_usd !== undefined,
      });
      return { kind: 'created', task, warnings, queue: queueOf(deps.config, outcome.waiting) };
    }
  }
}

/** A waiting task's place in line and its estimated wait (task-queue.ts). */
function queueOf(
  config: Pick<Config, 'caps'>,
  waiting: WaitingInLine | undefined,
): QueueEstimate | undefined {
  return waiting ? queueEstimateOf(config, waiting) : undefined;
}
