import type { LimitKind } from '../events.ts';
import type { StuckReason } from './stuck-detector.ts';

const LIMIT_NAMES: Record<LimitKind, string> = {
  max_turns: 'maximum number of turns',
  max_tokens: 'token budget',
  max_budget_usd: 'cost budget',
  wall_time: 'time limit',
};

/** Sent once when a limit is reached: the next turn is the last one. */
export function wrapUpPrompt(limit: LimitKind): string {
  return [
    `[ABCA] You have reached the ${LIMIT_NAMES[limit]} of this task. This is your last turn.`,
    'Stop working on the task now and save the work done so far: if there are uncommitted changes, commit them',
    'with ONE bash call, e.g. `git add -A && git commit -m "<what was done>"`. In the same reply, summarise',
    'what is done and what is left.',
  ].join('\n');
}

/** The one steering message sent when the agent looks stuck. */
export function steeringPrompt(reason: StuckReason): string {
  const what =
    reason === 'repeated_failure'
      ? 'You have made the same failing tool call three times in a row.'
      : 'Most of your recent tool calls have failed.';
  return [
    `[ABCA] ${what} Repeating it will not help.`,
    'Stop and reconsider: read the error messages carefully, check your assumptions (paths, file contents,',
    'command names), and try a different approach. If the task cannot be done, say so and explain why.',
  ].join('\n');
}

/** After an empty answer: one chance to continue. */
export const EMPTY_RESPONSE_PROMPT =
  '[ABCA] Your last response was empty. Continue the task: call a tool, or, if the task is done, reply with a short summary of what you did.';

/**
 * A nudge from the task's owner, fenced so that it reads as a message from the owner and not as
 * system instructions. The closing tag is neutralised inside the text so it cannot end the fence early.
 */
export function nudgePrompt(text: string): string {
  const safe = text.replace(/<\/?owner_message>/gi, '');
  return [
    '[ABCA] The owner of this task sent you a message while you were working. Take it into account.',
    '<owner_message>',
    safe,
    '</owner_message>',
  ].join('\n');
}
