import { TaskId } from '@abca/contracts';
import type { TaskRow } from '../../store/task-row.ts';
import { getTask, listTasks } from '../../store/task-store.ts';
import { howToLink, resolveSender } from '../identities.ts';
import type { SlackIngressDeps } from './ingress-deps.ts';
import { escapeSlack } from './mention.ts';
import type { SlashCommand } from './payloads.ts';
import { cancelTaskAs, mayActOn } from './task-actions.ts';

export const COMMAND_HELP = [
  '`/abca tasks`: your recent tasks',
  '`/abca status [task]`: a task (your latest by default)',
  '`/abca cancel <task>`: cancel a task of yours',
  'To start a task, mention me: `@abca <owner/repo> <what to do>` or `@abca fix <owner/repo>#<issue>`.',
].join('\n');

/** One line about a task, for Slack (nothing in it is taken from a user's text but the repo name). */
export function taskLine(t: TaskRow): string {
  const usage = t.turns ? ` · ${t.turns} turns · $${t.cost_usd.toFixed(4)}` : '';
  const pr = t.pr_url ? ` · <${t.pr_url}|pull request>` : '';
  return `\`${t.task_id}\` ${escapeSlack(t.repo)}: *${t.status}*${t.current_step ? ` (${escapeSlack(t.current_step)})` : ''}${usage}${pr}`;
}

/**
 * `/abca status|cancel|tasks` for the Slack user's linked ABCA user: their own tasks only (an
 * admin: any task by id). The answer is the text of an ephemeral reply (only the user sees it).
 */
export async function runCommand(deps: SlackIngressDeps, cmd: SlashCommand): Promise<string> {
  const externalId = `${cmd.team_id}:${cmd.user_id}`;
  const sender = await resolveSender(deps.db, 'slack', externalId, undefined);
  if (sender.kind !== 'linked') return howToLink('slack', externalId);
  const userId = sender.userId;
  const [sub = '', arg, ...rest] = cmd.text.trim().split(/\s+/).filter(Boolean);
  const load = async (raw: string) => {
    const id = TaskId.safeParse(raw);
    const task = id.success ? await getTask(deps.db, id.data) : undefined;
    // Another user's task is answered like a missing one: its id tells nothing.
    return task && (await mayActOn(deps.db, task, userId)) ? task : undefined;
  };
  switch (sub.toLowerCase()) {
    case 'tasks': {
      const tasks = await listTasks(deps.db, { userId, limit: 10 });
      return tasks.length
        ? `Your recent tasks:\n${tasks.map(taskLine).join('\n')}`
        : 'You have no tasks yet.';
    }
    case 'status': {
      if (rest.length) return `Usage: \`/abca status [task]\``;
      if (arg) {
        const task = await load(arg);
        return task ? taskLine(task) : `No task ${escapeSlack(arg)} of yours.`;
      }
      const [latest] = await listTasks(deps.db, { userId, limit: 1 });
      return latest ? taskLine(latest) : 'You have no tasks yet.';
    }
    case 'cancel': {
      if (!arg || rest.length) return 'Usage: `/abca cancel <task>`';
      const task = await load(arg);
      if (!task) return `No task ${escapeSlack(arg)} of yours.`;
      const done = await cancelTaskAs(deps, task, userId);
      if (done.kind === 'already_ended')
        return `Task \`${task.task_id}\` already ended (${done.status}); nothing to cancel.`;
      deps.log.info({ taskId: task.task_id, by: userId }, 'task cancelled from slack');
      return `Task \`${task.task_id}\` is cancelled.`;
    }
    default:
      return COMMAND_HELP;
  }
}
