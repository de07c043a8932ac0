import { git } from './git.ts';
import { headOf } from './reviews.ts';
import type { RepoState, Thread } from './state.ts';
import { reviewThreadComments } from './threads.ts';

/** Lines of `path` at the old commit a change between two commits touched, or `gone` when it was deleted. */
type Touched = Set<number> | 'gone';

const cache = new Map<string, Touched>();
const CACHE_LIMIT = 10_000;

async function touchedLines(repoPath: string, from: string, to: string, path: string): Promise<Touched> {
  const key = `${repoPath}\0${from}\0${to}\0${path}`;
  const known = cache.get(key);
  if (known) return known;
  const out = await git([
    '--git-dir',
    repoPath,
    'diff',
    '--no-color',
    '--no-ext-diff',
    '-U0',
    from,
    to,
    '--',
    path,
  ]);
  let touched: Touched = new Set();
  for (const line of out.stdout.split('\n')) {
    if (line === '+++ /dev/null') {
      touched = 'gone';
      break;
    }
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+/.exec(line);
    if (!hunk) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    // A pure insertion (count 0) sits after line `start`: the lines around it count as touched.
    if (count === 0) for (const n of [start, start + 1]) touched.add(n);
    for (let n = start; n < start + count; n += 1) touched.add(n);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, touched);
  return touched;
}

/**
 * Marks outdated, as GitHub does once a push changes them, the review threads whose line (on the
 * head side, at the commit the comment was made on) a later commit changed or whose file it
 * deleted. Outdated stays outdated. Threads made without a commit (`addReviewComment` without
 * `commitId`) follow the head and never go outdated on their own.
 */
export async function markOutdatedThreads(repo: RepoState, thread: Thread): Promise<void> {
  const pull = thread.pull;
  if (!pull) return;
  const head = await headOf(repo, thread);
  for (const review of pull.reviewThreads) {
    if (review.outdated) continue;
    const root = reviewThreadComments(pull, review)[0];
    if (!root?.commitId || root.commitId === head || root.side !== 'RIGHT') continue;
    const touched = await touchedLines(repo.path, root.commitId, head, root.path);
    if (touched === 'gone' || touched.has(root.line)) review.outdated = true;
  }
}
