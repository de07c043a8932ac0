import type { ReviewLineComment, ReviewResult } from '@abca/contracts';
import { type DiffLines, inDiff } from '../../git/diff-lines.ts';

/** GitHub takes a review body of at most 65,536 characters; the body stays under it. */
export const MAX_BODY_CHARS = 60_000;
/** What the moved comments may take of the body, all together. */
const MOVED_SECTION_CHARS = 30_000;

export interface PlacedReview {
  /** The summary, then a section with every comment that is not on a line of the diff. */
  body: string;
  /** The comments on new-side lines of the diff, posted on their lines. */
  comments: ReviewLineComment[];
  /** The comments moved into the body. */
  moved: ReviewLineComment[];
}

/**
 * Splits a review's line comments into those the forge can place on the diff and those it cannot
 * (a path not in the diff, a line outside its hunks, a deleted file): the latter are MOVED into
 * the body, each with its `path:line`, never dropped. `lines` undefined: no line can be trusted
 * (the PR moved on since the review began), so every comment is moved.
 */
export function placeComments(review: ReviewResult, lines: DiffLines | undefined): PlacedReview {
  const comments: ReviewLineComment[] = [];
  const moved: ReviewLineComment[] = [];
  for (const c of review.comments) {
    const path = c.path.replace(/^\.\//, '');
    if (lines && inDiff(lines, path, c.line)) comments.push({ ...c, path });
    else moved.push(c);
  }
  return { body: reviewBody(review.summary, moved, lines !== undefined), comments, moved };
}

function reviewBody(summary: string, moved: ReviewLineComment[], diffKnown: boolean): string {
  if (moved.length === 0) return cut(summary.trim(), MAX_BODY_CHARS);
  const each = Math.max(200, Math.floor(MOVED_SECTION_CHARS / moved.length) - 40);
  const intro = diffKnown
    ? 'These comments name lines outside the diff, so they are here rather than on a line:'
    : 'The pull request changed while it was being reviewed, so these comments are here rather than on their lines:';
  const section = [
    '### Comments outside the diff',
    '',
    intro,
    '',
    ...moved.map(
      (c) => `- \`${oneLine(c.path, 300).replaceAll('`', "'")}:${c.line}\`: ${oneLine(c.body, each)}`,
    ),
  ].join('\n');
  const room = MAX_BODY_CHARS - section.length - 2;
  return `${cut(summary.trim(), room)}\n\n${section}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 20))}\n[… cut to fit]`;
}

/** A comment on one list item: its lines joined, bounded. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*\r?\n\s*/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
