import { CreateTaskRequest } from '@abca/contracts';

export type ParsedMention = { kind: 'task'; body: CreateTaskRequest } | { kind: 'usage'; reason: string };

/** Slack escapes these three in message text. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Escapes text for Slack's mrkdwn: `&`, `<`, `>` (so no text of a user or task becomes a mention or a link). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const MENTION_USAGE =
  'Ask me as `@abca <owner/repo> <what to do>` or `@abca fix <owner/repo>#<issue>`.';

const REPO = '([A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100})';

/**
 * Reads a mention of the bot: `<@bot> owner/repo what to do`, `<@bot> fix owner/repo#12 [notes]`
 * or `<@bot> owner/repo#12 [notes]`. The text is the requester's, untrusted: it becomes the task
 * description (the agent gets it fenced as data), never anything else.
 */
export function parseMention(rawText: string, botUserId: string | undefined): ParsedMention {
  const withoutBot = botUserId
    ? rawText.split(`<@${botUserId}>`).join(' ')
    : rawText.replace(/^\s*<@[A-Z0-9]+>/, ' ');
  const text = unescapeSlack(withoutBot).trim();
  const issue = new RegExp(`^(?:fix\\s+)?${REPO}#(\\d{1,9})(?:\\s+([\\s\\S]*))?$`, 'i').exec(text);
  let candidate: unknown;
  if (issue) {
    const notes = issue[3]?.trim();
    candidate = {
      repo: issue[1],
      issue_number: Number(issue[2]),
      ...(notes ? { task_description: notes } : {}),
    };
  } else {
    const task = new RegExp(`^${REPO}\\s+([\\s\\S]+)$`).exec(text);
    if (!task) return { kind: 'usage', reason: `I did not find a repository in that. ${MENTION_USAGE}` };
    candidate = { repo: task[1], task_description: task[2]?.trim() };
  }
  const parsed = CreateTaskRequest.safeParse(candidate);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
    return { kind: 'usage', reason: `That request is not valid (${why}). ${MENTION_USAGE}` };
  }
  return { kind: 'task', body: parsed.data };
}
