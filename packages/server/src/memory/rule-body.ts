/** The line that says, at the end of a rule's body, when the rule applies. */
export const APPLIES_WHEN_PREFIX = 'Applies when: ';

/**
 * A review rule's stored body: what to do, then on its last line when it applies, in the words of
 * the code it is about. Those words are what retrieval matches a later task on (docs/memory.md,
 * "Measuring retrieval"): a rule that only says what to do shares few words with the tasks it
 * applies to. No line when there is nothing to say.
 */
export function ruleBody(body: string, appliesWhen: string | null | undefined): string {
  const when = appliesWhen?.replace(/\s+/g, ' ').trim();
  return when ? `${body}\n${APPLIES_WHEN_PREFIX}${when}` : body;
}

/** What says when a rule applies: its title and the body's "Applies when:" line, if any. */
export function scopeText(rule: { title: string; body: string }): string {
  const line = rule.body.split('\n').find((l) => l.startsWith(APPLIES_WHEN_PREFIX));
  return line ? `${rule.title} ${line.slice(APPLIES_WHEN_PREFIX.length)}` : rule.title;
}
