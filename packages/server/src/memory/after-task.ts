import { createRedactor } from '@abca/agent/without-models';
import { isTerminal } from '@abca/contracts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { Memory } from '../ports/memory.ts';
import type { Queryable } from '../storage/db.ts';
import { appendEvent } from '../store/event-store.ts';
import { getRepo } from '../store/repo-store.ts';
import type { TaskRow } from '../store/task-row.ts';
import { getTask } from '../store/task-store.ts';
import { writeEpisode } from './episode.ts';
import { learnKnowledge } from './learn-knowledge.ts';
import { isLearned, markLearned } from './learned-marks.ts';
import { createLearningModel, type LearningConfig, type LearningModel } from './learning-model.ts';

export interface AfterTaskDeps {
  db: Queryable;
  memory: Memory;
  log: Logger;
  config: LearningConfig & Pick<Config, 'memory'>;
  secrets: string[];
  /** Tests give their own; by default the learning model of the settings. */
  model?: LearningModel;
}

/** Whether memory is written for this task: learning on, the repo's memory on, the task's not off. */
export async function learnsFrom(
  deps: Pick<AfterTaskDeps, 'db' | 'config'>,
  task: TaskRow,
): Promise<boolean> {
  if (!deps.config.memory.learning || task.memory === false) return false;
  const repo = await getRepo(deps.db, task.repo);
  return repo?.settings.memory !== false;
}

/**
 * Memory's writers after a task ends (docs/memory.md): its episode, then — for a completed task,
 * when a model is there — the repo knowledge its transcript teaches. Run by the workflow as a
 * durable step after the blueprint; each part is done once (a dedupe key, a mark), so a crash re-run
 * writes nothing twice. Never throws and never touches the task's status: a failure is an event
 * (`memory.learning_failed`) or a log line.
 */
export async function learnAfterTask(deps: AfterTaskDeps, taskId: string): Promise<void> {
  const log = deps.log.child({ taskId, component: 'memory' });
  try {
    const task = await getTask(deps.db, taskId);
    if (!task || !isTerminal(task.status) || task.status === 'CANCELLED') return;
    if (!(await learnsFrom(deps, task))) return;
    const redactor = createRedactor(deps.secrets);
    const scrub = (s: string) => redactor.redact(s);
    const episodeMark = `episode:${taskId}`;
    if (!(await isLearned(deps.db, episodeMark))) {
      const ep = await writeEpisode(deps.memory, task, scrub);
      await appendEvent(deps.db, taskId, 'memory.written', {
        id: ep.id,
        kind: 'episode',
        title: ep.title,
        supersedes: null,
      });
      await markLearned(deps.db, episodeMark, 'episode');
    }
    if (task.status !== 'COMPLETED' || task.workflow_ref === 'coding/pr-review-v1') return;
    const knowledgeMark = `knowledge:${taskId}`;
    if (await isLearned(deps.db, knowledgeMark)) return;
    const model = deps.model ?? (await createLearningModel(deps.config, deps.secrets));
    if (!model) return;
    const learned = await learnKnowledge({ db: deps.db, memory: deps.memory, model, scrub }, task);
    if (!learned.ok) {
      const a = learned.answer;
      await appendEvent(deps.db, taskId, 'memory.learning_failed', {
        what: 'repo_knowledge',
        message: scrub(a.message).slice(0, 500),
        ...(a.raw !== undefined ? { raw: a.raw } : {}),
        model: a.model,
        cost_usd: a.costUsd,
      });
      await markLearned(deps.db, knowledgeMark, 'failed');
      return;
    }
    for (const r of learned.written) {
      await appendEvent(deps.db, taskId, 'memory.written', {
        id: r.id,
        kind: r.kind,
        title: r.title,
        supersedes: null,
      });
    }
    for (const r of learned.refused) log.warn({ title: r.title, why: r.why }, 'learned fact refused');
    await appendEvent(deps.db, taskId, 'memory.learned', {
      what: 'repo_knowledge',
      model: learned.answer.model,
      cost_usd: learned.answer.costUsd,
      written: learned.written.length,
      refused: learned.refused.length,
    });
    await markLearned(deps.db, knowledgeMark, learned.written.length ? 'knowledge' : 'no_knowledge');
  } catch (err) {
    log.warn({ err }, 'memory could not learn from the task; it ends as it did');
  }
}
