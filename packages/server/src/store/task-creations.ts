import { ChannelRef, type CreateTaskRequest, RepoSettings } from '@abca/contracts';
import { monotonicUlids } from '../ops/ids.ts';
import type { Queryable } from '../storage/db.ts';
import { toJsonb } from '../storage/storable.ts';
import { eventData } from './event-store.ts';
import { monthStart, nextMonthStart } from './monthly-budgets.ts';
import { parseTaskRow, type TaskRow } from './task-row.ts';
import { ACTIVE_STATUSES, branchSlug } from './task-store.ts';

const nextUlid = monotonicUlids();

/** A task to create, as the gateway has it: the request, its maker, its defaults. */
export interface TaskToCreate {
  body: CreateTaskRequest;
  userId: string;
  idempotencyKey?: string;
  channelRef?: ChannelRef;
  /** When neither the request nor the repo's settings say (ABCA_DEFAULT_MAX_TURNS...). */
  defaultMaxTurns: number;
  defaultMaxBudgetUsd?: number;
}

/**
 * A task ready for the creation statement: its id (monotonic: tasks made in one process sort in
 * the order they were asked for), its branch and its first event's data, as JSON for the database.
 */
export interface NewTask {
  taskId: string;
  item: Record<string, unknown>;
}

export function newTask(t: TaskToCreate): NewTask {
  const { body } = t;
  const channelRef = ChannelRef.parse(t.channelRef ?? { channel: 'api' });
  const taskId = nextUlid();
  const slugSource =
    body.task_description ?? (body.issue_number ? `issue-${body.issue_number}` : `pr-${body.pr_number}`);
  return {
    taskId,
    item: {
      task_id: taskId,
      user_id: t.userId,
      repo: body.repo,
      workflow_ref: body.workflow_ref ?? 'coding/new-task-v1',
      task_description: body.task_description,
      issue_number: body.issue_number,
      pr_number: body.pr_number,
      max_turns: body.max_turns,
      max_budget_usd: body.max_budget_usd,
      default_max_turns: t.defaultMaxTurns,
      default_max_budget_usd: t.defaultMaxBudgetUsd,
      idempotency_key: t.idempotencyKey,
      branch_name: `abca/${taskId.toLowerCase()}/${branchSlug(slugSource)}`,
      channel: channelRef.channel,
      channel_ref: channelRef.channel === 'api' ? undefined : channelRef,
      memory: body.memory,
      created_event: eventData(taskId, 'task.created', {
        status: 'SUBMITTED',
        repo: body.repo,
        user_id: t.userId,
      }),
    },
  };
}

/** The task's place in line when it waits for a slot, with the mean duration of recent tasks. */
export interface WaitingInLine {
  position: number;
  /** Mean duration of the last finished tasks, seconds; undefined when none finished yet. */
  meanDurationS: number | undefined;
}

/** What a creation came to, item by item. */
export type CreationOutcome =
  | {
      kind: 'created' | 'replay';
      /** The row after admission. */
      task: TaskRow;
      settings: RepoSettings;
      waiting: WaitingInLine | undefined;
    }
  | { kind: 'conflict' }
  | { kind: 'not_onboarded' }
  | { kind: 'budget'; scope: 'user' | 'repo'; budgetUsd: number; spentUsd: number };

/** A task admitted by a creation's admission (possibly an older one that waited). */
export interface AdmittedRun {
  taskId: string;
  runSeq: number;
  resumeStep: string | null;
}

/** Admission in the same statement: the caps, and the channel told when any task was admitted. */
export interface CreationAdmission {
  caps: { global: number; perUser: number; perRepo: number };
  notify?: string;
}

export interface CreatedGroup {
  outcomes: CreationOutcome[];
  admitted: AdmittedRun[];
}

interface CreationRow {
  item: number | null;
  outcome: string;
  task: Record<string, unknown> | null;
  queue_position: number | null;
  mean_duration_s: number | null;
  settings: unknown;
  budget_scope: 'user' | 'repo' | null;
  budget_usd: number | null;
  spent_usd: number | null;
  admitted_task_id: string | null;
  admitted_run_seq: number | null;
  admitted_resume_step: string | null;
}

const TIMESTAMPS = ['admitted_at', 'started_at', 'completed_at', 'created_at', 'updated_at'] as const;

/** A task row read as JSON (`to_jsonb`): its timestamps are text there. */
export function parseTaskJson(json: Record<string, unknown>): TaskRow {
  const row: Record<string, unknown> = { ...json };
  for (const k of TIMESTAMPS) if (typeof row[k] === 'string') row[k] = new Date(row[k] as string);
  return parseTaskRow(row);
}

/**
 * Creates `tasks` in one statement and one transaction (migration 027's `abca_create_tasks`): each
 * checked in order (repo onboarded, idempotency key, monthly budgets) and stored with its first
 * event, then, with `admission`, admission decides for every waiting task. Answers each task's
 * outcome in the order given, and the tasks admitted now (the caller starts their workflows).
 * Throws when the statement fails: nothing of the group was stored.
 */
export async function createTasks(
  db: Queryable,
  tasks: NewTask[],
  admission: CreationAdmission | undefined,
  at = new Date(),
): Promise<CreatedGroup> {
  const res = await db.query<CreationRow>({
    name: 'abca_create_tasks',
    text: 'SELECT * FROM abca_create_tasks($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    values: [
      toJsonb(tasks.map((t) => t.item)),
      monthStart(at),
      nextMonthStart(at),
      admission !== undefined,
      admission?.caps.global ?? 0,
      admission?.caps.perUser ?? 0,
      admission?.caps.perRepo ?? 0,
      ACTIVE_STATUSES,
      admission?.notify ?? null,
    ],
  });
  const outcomes: CreationOutcome[] = [];
  const admitted: AdmittedRun[] = [];
  for (const r of res.rows) {
    if (r.outcome === 'admitted') {
      admitted.push({
        taskId: r.admitted_task_id as string,
        runSeq: r.admitted_run_seq ?? 0,
        resumeStep: r.admitted_resume_step,
      });
      continue;
    }
    outcomes.push(outcomeOf(r));
  }
  if (outcomes.length !== tasks.length)
    throw new Error(`the creation answered ${outcomes.length} outcomes for ${tasks.length} tasks`);
  return { outcomes, admitted };
}

function outcomeOf(r: CreationRow): CreationOutcome {
  switch (r.outcome) {
    case 'created':
    case 'replay': {
      if (!r.task) throw new Error(`a ${r.outcome} task was not read back`);
      return {
        kind: r.outcome,
        task: parseTaskJson(r.task),
        settings: RepoSettings.parse(r.settings),
        waiting: waitingOf(r.queue_position, r.mean_duration_s),
      };
    }
    case 'conflict':
      return { kind: 'conflict' };
    case 'not_onboarded':
      return { kind: 'not_onboarded' };
    case 'budget':
      return {
        kind: 'budget',
        scope: r.budget_scope === 'user' ? 'user' : 'repo',
        budgetUsd: Number(r.budget_usd),
        spentUsd: Number(r.spent_usd),
      };
    default:
      throw new Error(`unknown creation outcome ${r.outcome}`);
  }
}

function waitingOf(position: number | null, mean: number | null): WaitingInLine | undefined {
  return position ? { position, meanDurationS: mean && mean > 0 ? mean : undefined } : undefined;
}

/**
 * Tasks as a creation answers them (their rows and places in line), read again: for a creation
 * whose admission ran apart from it.
 */
export async function readCreatedTasks(
  db: Queryable,
  taskIds: string[],
): Promise<Map<string, { task: TaskRow; waiting: WaitingInLine | undefined }>> {
  const res = await db.query<{
    task_id: string;
    task: Record<string, unknown>;
    queue_position: number | null;
    mean_duration_s: number | null;
  }>('SELECT * FROM abca_created_tasks($1)', [taskIds]);
  return new Map(
    res.rows.map((r) => [
      r.task_id,
      { task: parseTaskJson(r.task), waiting: waitingOf(r.queue_position, r.mean_duration_s) },
    ]),
  );
}
