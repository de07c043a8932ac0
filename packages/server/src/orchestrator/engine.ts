import { AsyncLocalStorage } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { cancelApprovals } from '../approvals/approval-store.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { AgentRuntime } from '../ports/agent-runtime.ts';
import type { EnvCache } from '../ports/env-cache.ts';
import type { Forge } from '../ports/forge.ts';
import type { Memory } from '../ports/memory.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { WorkspaceLimits, Workspaces } from '../ports/workspaces.ts';
import type { Db } from '../storage/db.ts';
import { listenForWakes } from '../storage/wake-listener.ts';
import {
  type CreationOutcome,
  createTasks,
  type NewTask,
  readCreatedTasks,
} from '../store/task-creations.ts';
import { workflowIdOf } from '../store/task-row.ts';
import { getTask } from '../store/task-store.ts';
import { createCancellations } from './cancellations.ts';
import { dbosDatabaseUrl } from './dbos-database-url.ts';
import type { OrchestratorDeps } from './deps.ts';
import { type Admitted, admitWaitingTasks } from './dispatcher.ts';
import { createDrain } from './drain.ts';
import { claimExecutorId, heartbeat, markStopped } from './executors.ts';
import { createGroupCommit } from './group-commit.ts';
import { probeReconcile, reconcile } from './reconciler.ts';
import { ADMITTED_CHANNEL, claimAndStart } from './start-claim.ts';
import { registerTaskWorkflow, TASK_QUEUE } from './workflow.ts';
import type { SandboxPool } from './workspace/sandbox-pool.ts';
import { createTaskWorkspaces } from './workspace/task-workspace.ts';

export interface Orchestrator {
  readonly executorId: string;
  /** Runs admission now (after a task was created or a slot freed); resolves when it has run. */
  admit(): Promise<void>;
  /**
   * Stores a new task and runs admission, in one statement with the creations asked for at the
   * same moment (group commit: group-commit.ts); answers what became of it,
   * with its row after admission. The workflows of admitted tasks start after the answer.
   */
  create(task: NewTask): Promise<CreationOutcome>;
  /** Stops the task's workflow and aborts its running step, wherever it runs. */
  cancel(taskId: string): Promise<void>;
  /**
   * A graceful stop (a drain): admits and starts nothing more, lets each running agent stop at its
   * next turn boundary with its transcript saved, and leaves every unfinished workflow pending, to
   * be resumed here after a restart or by another worker. After `timeoutMs` what still runs is cut.
   */
  stop(opts?: OrchestratorStopOptions): Promise<void>;
  /**
   * The stop at once (a second signal), as safe as a crash: what runs is cut where it is (nothing
   * it fails afterwards ends a task) and the sandboxes are killed; the caller exits the process.
   */
  stopNow(): Promise<void>;
}

export interface OrchestratorStopOptions {
  /** The whole stop's bound (default `ABCA_STOP_TIMEOUT_S`). */
  timeoutMs?: number;
  /** Told once the drain starts with workflows running here: how many will resume. */
  onDraining?(tasks: number): void;
}

/** The most creations one statement makes (a busy API process's group). */
const CREATION_GROUP_MAX = 64;
/**
 * Creation groups on their way at once: one, the next filling meanwhile (2 or 4 at once made
 * smaller groups and were no faster: docs/benchmarks.md).
 */
const CREATION_GROUPS_IN_FLIGHT = 1;

/**
 * How often DBOS's notifier flushes the wake-ups of `DBOS.setEvent`/`writeStream`: ABCA uses
 * neither, so it only bounds a wake-up no one waits for. DBOS's default is 10 ms.
 */
export const DBOS_NOTIFIER_MS = 1000;

/** Of the stop's bound, what is kept for the cut: the runs save their transcripts and park. */
const CUT_GRACE_MS = 5000;

export interface OrchestratorOptions {
  db: Db;
  databaseUrl: string;
  config: Config;
  log: Logger;
  metrics: Metrics;
  forge: Forge;
  workspaces: Workspaces;
  workspaceLimits: WorkspaceLimits;
  agentRuntime: AgentRuntime;
  notifier: Notifier;
  memory: Memory;
  sandboxes: SandboxPool;
  /** The environment cache on this host (docs/env-cache.md). */
  envCache: EnvCache;
  secrets: string[];
  /** `serve` or `worker`: part of the default executor id. */
  kind: string;
  /** False for an API-only process: it admits and enqueues tasks but runs none. */
  runWorkflows: boolean;
}

/**
 * Starts the durable orchestrator in this process: claims an executor id, launches DBOS on the
 * platform database (recovering this executor's unfinished workflows), and runs the heartbeat and
 * the reconciler.
 */
export async function startOrchestrator(o: OrchestratorOptions): Promise<Orchestrator> {
  const { db, config, log } = o;
  const executorId = await claimExecutorId(db, {
    kind: o.kind,
    hostname: config.hostname,
    pid: process.pid,
    staleMs: config.executorStaleMs,
    ...(config.executorId ? { explicitId: config.executorId } : {}),
  });
  const olog = log.child({ executorId });
  /**
   * Runs DBOS calls in the async context this function was started in, outside every workflow.
   * DBOS reads its context from `AsyncLocalStorage`: a workflow started or cancelled from code a
   * workflow runs (its end freeing a slot, a step ending a task and admitting the next) would be
   * made that workflow's child, with its deadline and its step counter, and not the task's own.
   */
  const outsideWorkflows = AsyncLocalStorage.snapshot();
  const cancellations = createCancellations(db, { pollMs: 300 });
  const drain = createDrain();
  let admitting: Promise<void> | undefined;
  let again = false;
  /**
   * The workflows of admitted tasks start after the decision: a caller of `admit()` (a task's
   * creation) waits for the decision only, and answers before the start. A process that runs
   * workflows starts them itself (locally while it has free slots, else on the DBOS queue); an
   * API-only process records nothing and tells the workers (`NOTIFY`), which start them locally
   * (a creation then costs the API process no workflow record). Every start goes through
   * `claimAndStart`, so a task starts once whoever tries. A start that fails or never happens (the
   * process died, no worker listened) is made by the reconciler of any process: an admitted task
   * without its workflow (reconciler.ts).
   */
  let starting: Promise<void> = Promise.resolve();
  const startLater = (admitted: Admitted[]) => {
    // An API-only process's admission told the workers (admitWaitingTasks's `announce`).
    if (admitted.length === 0 || !o.runWorkflows) return;
    starting = starting.then(async () => {
      try {
        await claimAndStart(
          db,
          { taskIds: admitted.map((a) => a.taskId), limit: admitted.length },
          startWorkflow,
        );
      } catch (err) {
        olog.error(
          { err, tasks: admitted.map((a) => a.taskId) },
          'could not start admitted tasks; the reconciler retries',
        );
      }
    });
  };
  const admit = (): Promise<void> => {
    if (drain.signal.aborted) return Promise.resolve();
    if (admitting) {
      again = true;
      return admitting;
    }
    admitting = (async () => {
      do {
        again = false;
        try {
          startLater(await admitWaitingTasks(db, config.caps, { announce: !o.runWorkflows }));
        } catch (err) {
          olog.error({ err }, 'admission failed; the reconciler retries');
        }
      } while (again);
    })().finally(() => {
      admitting = undefined;
    });
    return admitting;
  };
  /**
   * Creations in groups: one statement, one transaction and one commit for the creations asked for
   * while the previous group was on its way, admission included. A group that fails is made again
   * task by task, each without admission (so a failing admission fails no creation, as when it ran
   * apart), then admission runs as after any creation and the task is read again.
   */
  const creations = createGroupCommit<NewTask, CreationOutcome>({
    maxGroup: CREATION_GROUP_MAX,
    maxInFlight: CREATION_GROUPS_IN_FLIGHT,
    run: async (tasks) => {
      const admission = drain.signal.aborted
        ? undefined
        : { caps: config.caps, ...(o.runWorkflows ? {} : { notify: ADMITTED_CHANNEL }) };
      const { outcomes, admitted } = await createTasks(db, tasks, admission);
      startLater(admitted);
      return outcomes;
    },
    runAlone: async (task) => {
      const { outcomes } = await createTasks(db, [task], undefined);
      const outcome = outcomes[0] as CreationOutcome;
      if (outcome.kind !== 'created') return outcome;
      await admit();
      const fresh = (await readCreatedTasks(db, [task.taskId])).get(task.taskId);
      return fresh ? { ...outcome, ...fresh } : outcome;
    },
  });
  const deps: OrchestratorDeps = {
    db,
    forge: o.forge,
    workspaces: o.workspaces,
    taskWorkspaces: createTaskWorkspaces({
      db,
      workspaces: o.workspaces,
      sandboxes: o.sandboxes,
      limits: o.workspaceLimits,
      secrets: o.secrets,
      executorId,
      log: olog,
      envCache: o.envCache,
      metrics: o.metrics,
    }),
    agentRuntime: o.agentRuntime,
    notifier: o.notifier,
    memory: o.memory,
    sandboxes: o.sandboxes,
    envCache: o.envCache,
    secrets: o.secrets,
    log: olog,
    metrics: o.metrics,
    cancellations,
    drain,
    config,
    executorId,
    wake: () => void admit(),
  };
  let runningHere = 0;
  const workflow = registerTaskWorkflow(deps, {
    onStart: () => {
      runningHere += 1;
    },
    onEnd: () => {
      runningHere -= 1;
      // A slot is free: an admitted task an API-only process left to the workers may take it.
      takeHandedOff();
    },
  });
  /**
   * Starts an admitted task's workflow. A process that runs workflows and has a free slot starts it
   * at once; otherwise it goes on the DBOS queue, where any worker picks it up (queue dispatch polls,
   * so this path costs up to a poll interval). The workflow id is the task id: starting twice is a no-op.
   */
  const startWorkflow = async ({ taskId, runSeq, resumeStep }: Admitted) => {
    const local = o.runWorkflows && runningHere < config.workerSlots;
    const workflowID = workflowIdOf(taskId, runSeq);
    // Outside any workflow: a start asked for by a running task's workflow (a slot it freed, a
    // task it ended) would otherwise be DBOS's child workflow of that one.
    await outsideWorkflows(() =>
      DBOS.startWorkflow(workflow, { workflowID, ...(local ? {} : { queueName: TASK_QUEUE }) })(
        taskId,
        runSeq,
        resumeStep,
      ),
    );
  };
  /**
   * A worker takes admitted tasks nobody started (an API-only process handed them over) into its
   * free slots, at once: woken by the API process's notification and whenever a slot frees. One
   * pass at a time; a wake during a pass makes another.
   */
  let taking: Promise<void> | undefined;
  let takeAgain = false;
  const takeHandedOff = (): void => {
    if (!o.runWorkflows || drain.signal.aborted) return;
    if (taking) {
      takeAgain = true;
      return;
    }
    taking = (async () => {
      do {
        takeAgain = false;
        const free = config.workerSlots - runningHere;
        if (free <= 0) break;
        try {
          // Within `free`, `startWorkflow` starts each here (a slot is free for it).
          const started = await claimAndStart(db, { limit: free }, startWorkflow);
          // A local start runs the workflow's first line (its `onStart`) before it resolves, so
          // `runningHere` already counts what this pass took. Slots left and tasks taken to the
          // limit: there may be more.
          if (started.length === free && config.workerSlots - runningHere > 0) takeAgain = true;
        } catch (err) {
          olog.warn({ err }, 'could not take admitted tasks; the reconciler retries');
          break;
        }
      } while (takeAgain && !drain.signal.aborted);
    })().finally(() => {
      taking = undefined;
    });
  };

  DBOS.setConfig({
    name: 'abca',
    systemDatabaseUrl: dbosDatabaseUrl(o.databaseUrl),
    executorID: executorId,
    // Fixed, so a worker built from other source still recovers workflows of this definition.
    applicationVersion: 'abca-task-v1',
    listenQueues: o.runWorkflows ? [TASK_QUEUE] : ['abca-api-only'],
    logger: dbosLogger(olog.child({ component: 'dbos' })),
    // DBOS wakes its notifier this often to flush the wake-ups of `setEvent` and `writeStream`,
    // which ABCA does not use: at DBOS's default (10 ms) that loop alone woke every process 100
    // times a second and was half of an idle platform's CPU (docs/benchmarks.md, "An idle platform").
    notificationCoalesceMs: DBOS_NOTIFIER_MS,
  });
  if (o.runWorkflows) await keepRecoveryOnTaskQueue(db, executorId, olog);
  await DBOS.launch();
  await DBOS.registerQueue(TASK_QUEUE, {
    workerConcurrency: config.workerSlots,
    // Tasks start locally when a slot is free; the queue holds only overflow (ABCA_QUEUE_POLL_MS).
    minPollingIntervalMs: config.queuePollMs,
    onConflict: 'always_update',
  });
  const handOffListener = o.runWorkflows
    ? await listenForWakes(o.databaseUrl, ADMITTED_CHANNEL, {
        log: olog,
        what: 'admitted-task listener',
        onWake: takeHandedOff,
      })
    : undefined;
  // Admitted tasks left by API-only processes while this worker was away are taken now.
  takeHandedOff();
  olog.info({ runWorkflows: o.runWorkflows }, 'orchestrator started');

  const beat = setInterval(() => {
    heartbeat(db, executorId, process.pid).catch((err) => olog.warn({ err }, 'heartbeat failed'));
  }, config.heartbeatMs);
  let reconciling = false;
  const tick = setInterval(async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      // One statement says which backstops have work: an idle tick costs one round trip.
      const due = await probeReconcile(db, {
        executorId,
        staleMs: config.executorStaleMs,
        recoverWorkflows: o.runWorkflows,
        queueMaxAgeS: config.queueMaxAgeS,
      });
      if (due.waiting) await admit();
      // Starts still on their way are not orphans.
      await starting;
      await reconcile(deps, {
        startWorkflow,
        staleMs: config.executorStaleMs,
        recoverWorkflows: o.runWorkflows,
        due,
      });
    } catch (err) {
      olog.warn({ err }, 'reconcile failed');
    } finally {
      reconciling = false;
    }
  }, config.reconcileMs);

  return {
    executorId,
    admit,
    create: (task) => creations.submit(task),
    async cancel(taskId) {
      cancellations.cancelLocal(taskId);
      const runSeq = (await getTask(db, taskId).catch(() => undefined))?.run_seq ?? 0;
      await outsideWorkflows(() => DBOS.cancelWorkflow(workflowIdOf(taskId, runSeq))).catch(() => {});
      await cancelApprovals(db, taskId).catch(() => {});
      await admit();
    },
    async stop(opts = {}) {
      const timeoutMs = opts.timeoutMs ?? config.stopTimeoutS * 1000;
      // Admits and reconciles no more; the heartbeat goes on, so no other worker takes over yet.
      clearInterval(tick);
      drain.start();
      await handOffListener?.close();
      await admitting;
      await starting;
      await taking;
      const running = drain.active();
      if (running > 0) {
        olog.warn(
          { tasks: running, timeoutS: Math.round(timeoutMs / 1000) },
          `draining: ${running} running task(s) stop at their next turn boundary and will resume`,
        );
        opts.onDraining?.(running);
      }
      const grace = Math.min(CUT_GRACE_MS, Math.floor(timeoutMs / 3));
      if (!(await drain.settled(timeoutMs - grace))) {
        olog.warn(
          { tasks: drain.active() },
          'stop deadline: cutting the turns still running (they are made again on resume)',
        );
        drain.cut();
        if (!(await drain.settled(grace)))
          olog.warn(
            { tasks: drain.active() },
            'some steps did not stop in time; they resume as after a crash',
          );
      }
      clearInterval(beat);
      cancellations.stop();
      // Workflows parked by the drain stay pending: DBOS recovers them at the next start.
      await DBOS.shutdown();
      await o.sandboxes.stopAll();
      // Other workers take over this executor's pending workflows at once (not after the stale timeout).
      await markStopped(db, executorId).catch(() => {});
      if (running > 0)
        olog.info(
          { tasks: running },
          'stopped: the interrupted tasks resume on the next start or on another worker',
        );
    },
    async stopNow() {
      drain.cut();
      await Promise.race([o.sandboxes.stopAll(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
  };
}

/**
 * At launch DBOS re-enqueues the unfinished workflows of this executor id (a restarted worker takes
 * its old id back). Those started without a queue (the fast local start) go onto DBOS's internal
 * queue, which every process dispatches, API-only servers included: a server without sandboxes or
 * the workers' settings would run the task. Putting them on the task queue first, which only
 * workers listen to, keeps them on workers. Nothing to do before DBOS's first launch.
 */
async function keepRecoveryOnTaskQueue(db: Db, executorId: string, log: Logger): Promise<void> {
  try {
    await db.query(
      `UPDATE dbos.workflow_status SET queue_name = $2
       WHERE executor_id = $1 AND status = 'PENDING' AND queue_name IS NULL`,
      [executorId, TASK_QUEUE],
    );
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01')
      log.warn({ err }, 'could not requeue workflows for recovery');
  }
}

function dbosLogger(log: Logger) {
  const msg = (e: unknown) =>
    typeof e === 'string' ? e : e instanceof Error ? e.message : JSON.stringify(e);
  return {
    info: (e: unknown) => log.debug(msg(e)),
    debug: (e: unknown) => log.trace(msg(e)),
    warn: (e: unknown) => log.warn(msg(e)),
    error: (e: unknown) => log.error({ err: e instanceof Error ? e : undefined }, msg(e)),
  };
}
