const MAX_CHARS = 200;

/**
 * One line saying what a tool call runs, for people watching: the command, the path or the
 * pattern when the arguments have one, else their JSON. Not redacted (the caller does).
 */
export function argsPreview(input: unknown): string {
  let text: string;
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const a = input as Record<string, unknown>;
    const main = [a.command, a.path, a.pattern].find((v): v is string => typeof v === 'string');
    text = main ?? JSON.stringify(a);
  } else {
    text = typeof input === 'string' ? input : (JSON.stringify(input) ?? '');
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_CHARS ? line : `${line.slice(0, MAX_CHARS - 1)}…`;
}
