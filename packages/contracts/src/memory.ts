import { z } from 'zod';

/**
 * A repo's memory (docs/memory.md): what ABCA learned from earlier tasks and reviews, retrieved
 * into later tasks' prompts. Every text in it came from outside or from a model: it is data in a
 * prompt, fenced and quoted, never instructions.
 */

export const MEMORY_KINDS = ['repo_knowledge', 'episode', 'review_rule', 'user_preference'] as const;
export const MemoryKind = z.enum(MEMORY_KINDS);
export type MemoryKind = z.infer<typeof MemoryKind>;

/** How a review comment was sorted before a rule was distilled from it. */
export const REVIEW_CATEGORIES = ['nit', 'bug', 'style', 'design', 'scope'] as const;
export const ReviewCategory = z.enum(REVIEW_CATEGORIES);
export type ReviewCategory = z.infer<typeof ReviewCategory>;

/** Where a record's claim comes from; checked before use (a file that is gone drops the citation). */
export const MemoryCitation = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    path: z.string().min(1).max(1000),
    line: z.number().int().positive().max(10_000_000).optional(),
  }),
  z.strictObject({ kind: z.literal('task'), task_id: z.string().min(1).max(40) }),
  z.strictObject({
    kind: z.literal('review_comment'),
    pr: z.number().int().positive(),
    comment_id: z.string().min(1).max(100),
    author: z.string().min(1).max(100),
    /** The comment's text as it was (bounded), so a rule shows what it came from. */
    quote: z.string().max(2000),
    url: z.string().max(2000).optional(),
  }),
]);
export type MemoryCitation = z.infer<typeof MemoryCitation>;

/** Who or what made a record. */
export const MemoryProvenance = z.strictObject({
  source: z.enum(['task', 'learning', 'review', 'person', 'import']),
  /** The task it was learned from, if any. */
  task_id: z.string().max(40).optional(),
  /** The user who added or edited it by hand, if any. */
  by: z.string().max(100).optional(),
  /** The model that wrote it, if a model did. */
  model: z.string().max(200).optional(),
  /** Why ABCA pinned it itself (a task that used it had its pull request merged), if it did. */
  pinned_because: z.string().max(500).optional(),
});
export type MemoryProvenance = z.infer<typeof MemoryProvenance>;

/** One memory record as the API shows it. Times are ISO 8601. */
export const MemoryRecord = z.object({
  id: z.string(),
  repo: z.string(),
  kind: MemoryKind,
  /** Set for `user_preference` (whose preference it is); null otherwise. */
  user_id: z.string().nullable(),
  /** One line: what the record is about. */
  title: z.string(),
  /** The record itself (a rule, a fact, an episode's story). */
  body: z.string(),
  /** For a `review_rule`: how its comments were sorted. */
  category: ReviewCategory.nullable(),
  citations: z.array(MemoryCitation),
  provenance: MemoryProvenance,
  /** Kept whatever its age (by a person, or because a merged PR cited it). */
  pinned: z.boolean(),
  /** The record that replaced this one (a newer rule that contradicts it), or null. */
  superseded_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_used_at: z.string().nullable(),
  use_count: z.number().int().nonnegative(),
});
export type MemoryRecord = z.infer<typeof MemoryRecord>;

/** A record's title: one line, at most 200 characters (more is refused, never cut). */
export const MemoryTitle = z.string().trim().min(1).max(200);
/** A record's body: at most 8,000 characters (more is refused, never cut). */
export const MemoryBody = z.string().trim().min(1).max(8000);
const Title = MemoryTitle;
const Body = MemoryBody;

/** `POST /v1/repos/{repo}/memory`: a record added by a person. */
export const CreateMemoryRequest = z
  .strictObject({
    kind: MemoryKind,
    title: Title,
    body: Body,
    category: ReviewCategory.optional(),
    citations: z.array(MemoryCitation).max(20).default([]),
    /** For `user_preference`: whose (default: the caller). */
    user_id: z.string().min(1).max(100).optional(),
    pinned: z.boolean().default(false),
  })
  .refine((v) => v.kind !== 'episode', {
    message: 'episodes are written by ABCA when a task ends, not by hand',
    path: ['kind'],
  });
export type CreateMemoryRequest = z.infer<typeof CreateMemoryRequest>;

/** `PATCH /v1/repos/{repo}/memory/{id}`: fields to change. */
export const UpdateMemoryRequest = z
  .strictObject({
    title: Title.optional(),
    body: Body.optional(),
    category: ReviewCategory.nullable().optional(),
    citations: z.array(MemoryCitation).max(20).optional(),
    pinned: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' });
export type UpdateMemoryRequest = z.infer<typeof UpdateMemoryRequest>;

/** One line of a repo's memory export (`GET /v1/repos/{repo}/memory/export`, JSON lines). */
export const MemoryExportLine = z.strictObject({
  kind: MemoryKind,
  user_id: z.string().max(100).nullable().default(null),
  title: Title,
  body: Body,
  category: ReviewCategory.nullable().default(null),
  citations: z.array(MemoryCitation).max(20).default([]),
  provenance: MemoryProvenance,
  pinned: z.boolean().default(false),
  created_at: z.string().optional(),
});
export type MemoryExportLine = z.infer<typeof MemoryExportLine>;
