import { createRedactor } from '@abca/agent/without-models';
import { taskError } from '@abca/contracts';
import {
  type HydratedMemory,
  hydrateMemory,
  type MemoryRetrievedData,
  recordMemoryUse,
} from '../../memory/hydrate-memory.ts';
import { patchTask } from '../../store/task-store.ts';
import { hasEvent } from '../pr-iteration/answer-threads.ts';
import { hydrateIteration } from '../pr-iteration/hydrate-iteration.ts';
import { buildPrompt } from '../prompt.ts';
import { effectiveSettings, parseRepoConfigFile } from '../repo-config.ts';
import { repoWithRef } from '../repo-ref.ts';
import { endTask, type StepDefinition } from '../step.ts';
import { type TaskContext, taskContext } from '../task-context.ts';
import { endOnTypedFailure } from '../typed-failure.ts';

const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md', 'README.md'];
const CONFIG_FILE = '.abca/config.yaml';

/**
 * Gathers the task's context — the issue or PR, the repo's own instructions and config — merges
 * the repo's suggested settings under the operator's, and assembles the prompt within its budget.
 * Stored on the task, so a re-run after a crash skips it.
 */
export const hydrationStep: StepDefinition = {
  name: 'hydration',
  timeoutMs: () => 300_000,
  maxAttempts: 4,
  onTimeout: {
    status: 'FAILED',
    error: taskError('GITHUB_UNREACHABLE', 'Fetching the task context took too long.'),
  },
  async run({ task, emit, signal }, deps) {
    const retrievedBefore = () => hasEvent(deps.db, task.task_id, 'memory.retrieved');
    const retrieved = (data: MemoryRetrievedData) => emit('memory.retrieved', data);
    if (task.context?.prompt) {
      // A run that stopped after storing the prompt: the memory it chose is recorded as used.
      const memory = taskContext(task)?.memory;
      if (memory) await recordMemoryUse(deps, task, memory, retrievedBefore, retrieved);
      return 'skipped';
    }
    const { ref: repo, info } = await repoWithRef(deps.db, task.repo);
    try {
      // The remote as it was when the task was submitted, or newer: a refresh begun before that
      // (another task's, within the freshness window) does not serve it.
      await deps.workspaces.syncMirror(repo, { freshAfter: task.created_at.getTime(), signal });
      const read = await deps.workspaces.readFiles(repo, [...INSTRUCTION_FILES, CONFIG_FILE]);
      const files = INSTRUCTION_FILES.flatMap((path) => {
        const text = read.get(path)?.text;
        return text ? [{ path, text }] : [];
      });
      // A config file over the cut does not parse, and is ignored with a warning.
      const file = parseRepoConfigFile(read.get(CONFIG_FILE)?.text);
      const settings = effectiveSettings(info.settings, file.settings, {
        allowlist: deps.config.defaultAllowlist,
      });
      const forge = await deps.forge.fetchContext(repo, {
        ...(task.issue_number ? { issueNumber: task.issue_number } : {}),
        ...(task.pr_number ? { prNumber: task.pr_number } : {}),
      });
      const pr = forge.pullRequest;
      let hydrated = task;
      if (pr && task.workflow_ref !== 'coding/new-task-v1') {
        // Nothing to do on a PR that was merged or closed meanwhile.
        if (pr.state !== 'open') {
          await endTask(
            deps,
            task.task_id,
            'FAILED',
            taskError('PR_NOT_OPEN', `Pull request #${pr.number} is ${pr.state}; nothing was done.`),
          );
          return 'stop';
        }
        // A task on a pull request works on (and pushes to) the PR's own branch.
        if (task.branch_name !== pr.branch) {
          await patchTask(deps.db, task.task_id, { branch_name: pr.branch });
          hydrated = { ...task, branch_name: pr.branch };
        }
      }
      // The mirror holds only the branches tasks need: the PR's, at the head the forge reported.
      if (pr) {
        await deps.workspaces.syncMirror(repo, {
          branches: [pr.branch],
          ...(pr.headSha ? { want: { [pr.branch]: pr.headSha } } : {}),
          signal,
        });
      }
      // An iteration: the PR's threads (with their code), new comments and failing checks.
      const iteration =
        pr && task.workflow_ref === 'coding/pr-iteration-v1'
          ? await hydrateIteration(deps, repo, task, pr)
          : undefined;
      // Memory from earlier tasks and reviews (docs/memory.md): an extra, so a failure to get it
      // is a warning and the task goes on without it.
      let memory: HydratedMemory | undefined;
      let memoryFailed = false;
      try {
        memory = await hydrateMemory(deps, {
          repo,
          task,
          repoMemory: info.settings.memory,
          forge,
          budgetChars: deps.config.memory.budgetChars,
          redact: createRedactor(deps.secrets).redact,
        });
      } catch (err) {
        deps.log.warn({ err, taskId: task.task_id }, 'memory retrieval failed; the task goes on without it');
        memoryFailed = true;
      }
      const prompt = buildPrompt(hydrated, {
        forge,
        files,
        ...(iteration ? { prSections: iteration.sections } : {}),
        ...(memory?.section ? { memory: memory.section } : {}),
      });
      const context: TaskContext = {
        prompt,
        settings,
        instructions: files.map((f) => f.path),
        warnings: file.warnings,
        refs: { issue: forge.issue?.number ?? null, pullRequest: forge.pullRequest?.number ?? null },
        ...(forge.pullRequest
          ? {
              pr: {
                number: forge.pullRequest.number,
                branch: forge.pullRequest.branch,
                base: forge.pullRequest.base,
                headSha: forge.pullRequest.headSha,
              },
            }
          : {}),
        ...(iteration ? { iteration: iteration.context } : {}),
        ...(memory ? { memory: memory.context } : {}),
      };
      await patchTask(deps.db, task.task_id, { context: context as unknown as Record<string, unknown> });
      for (const w of file.warnings) await emit('hydration.warning', { message: w });
      if (memoryFailed)
        await emit('hydration.warning', {
          message: 'Memory from earlier tasks was left out of this task: it could not be read.',
        });
      if (iteration && pr) {
        await emit('pr.iteration_context', {
          pull_request: pr.number,
          threads: iteration.counts.threads,
          conversation: iteration.counts.conversation,
          failing_checks: iteration.counts.failingChecks,
          since: iteration.context.since,
        });
      }
      if (memory) await recordMemoryUse(deps, task, memory.context, retrievedBefore, retrieved);
      await emit('hydration.completed', {
        prompt_chars: prompt.length,
        instructions: files.map((f) => f.path),
        issue: forge.issue?.number ?? null,
        pull_request: forge.pullRequest?.number ?? null,
      });
      return 'continue';
    } catch (err) {
      return endOnTypedFailure(deps, task.task_id, err);
    }
  },
};
