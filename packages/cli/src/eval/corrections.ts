import type { EvalCorrection } from '@abca/contracts';

/** The lines a unified diff adds (without their `+`), file headers left out. */
export function addedLines(diff: string): string[] {
  return diff
    .split('\n')
    .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
    .map((line) => line.slice(1));
}

/** The patterns of `corrections` that a line added by `diff` matches: the corrections repeated. */
export function repeatedCorrections(diff: string, corrections: readonly EvalCorrection[]): string[] {
  const added = addedLines(diff);
  return corrections
    .filter(({ pattern }) => {
      const re = new RegExp(pattern);
      return added.some((line) => re.test(line));
    })
    .map(({ pattern }) => pattern);
}
