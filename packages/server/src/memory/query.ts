import type { ForgeContext } from '../ports/forge.ts';
import type { MemoryQuery } from '../ports/memory.ts';

/** What of a task's own text a search reads: enough to find what it is about, bounded. */
export const QUERY_TEXT_MAX_CHARS = 6000;
/** Paths a query names at most (those the task text names first, then the diff's, then the threads'). */
export const QUERY_MAX_PATHS = 50;
const PATH_MAX_CHARS = 300;

/** The parts of a task a memory query is built from. */
export interface QuerySource {
  repo: string;
  userId?: string;
  description?: string | null;
  issue?: ForgeContext['issue'];
  pullRequest?: Pick<NonNullable<ForgeContext['pullRequest']>, 'title' | 'diff' | 'reviewThreads'>;
}

// `src/api/users.ts`, `docs/x.md`, `greet.js`: a word with a slash between parts, or a file name
// with an extension of letters. Trailing punctuation of a sentence is not part of it.
const PATH_IN_TEXT =
  /(?<![\w/.-])(?:[\w.-]+\/)+[\w.-]+|(?<![\w/.-])[\w-]+(?:\.[\w-]+)*\.[A-Za-z][\w]{0,9}(?![\w/])/g;

/** Paths named in free text (a task, an issue, a review comment): untrusted, only searched. */
export function pathsInText(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PATH_IN_TEXT)) {
    const p = m[0].replace(/[.]+$/, '').replace(/^\.\//, '');
    // A URL's host or a version number is not a path.
    if (!p || /^\d+(\.\d+)*$/.test(p) || /^(?:https?:|www\.)/i.test(p)) continue;
    out.push(p);
  }
  return out;
}

/** The files a unified diff touches (`diff --git a/x b/x`, `+++ b/x`). */
export function pathsInDiff(diff: string): string[] {
  const out: string[] = [];
  for (const m of diff.matchAll(/^(?:\+\+\+ b\/(.+)|diff --git a\/\S+ b\/(.+))$/gm)) {
    const p = (m[1] ?? m[2] ?? '').trim();
    if (p && p !== '/dev/null') out.push(p);
  }
  return out;
}

function bounded(paths: string[]): string[] {
  const seen = new Set<string>();
  for (const p of paths) {
    if (p.length > PATH_MAX_CHARS || p.includes('..')) continue;
    seen.add(p);
    if (seen.size >= QUERY_MAX_PATHS) break;
  }
  return [...seen];
}

/**
 * The memory query of a task: its text (description, the issue's title and body, the PR's title
 * and review threads), the paths it names or touches (in that text, the PR diff's files, the
 * threads' paths) and its user. Everything in it is untrusted: it is only searched, never run.
 */
export function buildMemoryQuery(src: QuerySource): MemoryQuery {
  const pr = src.pullRequest;
  const threads = pr?.reviewThreads ?? [];
  const texts = [
    src.description ?? '',
    pr?.title ?? '',
    ...threads.flatMap((t) => t.comments.map((c) => c.body)),
    src.issue ? `${src.issue.title}\n${src.issue.body}` : '',
  ].filter((t) => t.trim().length > 0);
  const text = texts.join('\n').slice(0, QUERY_TEXT_MAX_CHARS);
  const paths = bounded([
    ...pathsInText(text),
    ...threads.map((t) => t.path),
    ...(pr ? pathsInDiff(pr.diff.slice(0, 2_000_000)) : []),
  ]);
  return { repo: src.repo, text, paths, ...(src.userId ? { userId: src.userId } : {}) };
}
