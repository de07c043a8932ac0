import { z } from 'zod';
import { MemoryKind } from '../memory.ts';

const count = z.number().int().nonnegative();

/** What memory did for a task: which records reached its prompt, what it learned, what failed. */
export const MEMORY_EVENT_DATA = {
  /** Hydration put these records in the prompt's memory section (within its budget). */
  'memory.retrieved': z.object({
    records: z.array(z.object({ id: z.string(), kind: MemoryKind, title: z.string() })),
    /** Characters the memory section takes in the prompt. */
    chars: count,
    /** Records found but left out: over the budget or a kind's quota. */
    left_out: count,
    /** Citations dropped because what they point at is gone (a file no longer in the repo). */
    stale_citations: count,
  }),
  /** A record was written from this task (its episode, repo knowledge, a review rule). */
  'memory.written': z.object({
    id: z.string(),
    kind: MemoryKind,
    title: z.string(),
    /** The record it replaced, when it contradicts an older one. */
    supersedes: z.string().nullable(),
  }),
  /** A learning step's model call: what it cost and what came of it (records written, refused). */
  'memory.learned': z.object({
    what: z.enum(['repo_knowledge', 'review_rules']),
    model: z.string(),
    cost_usd: z.number().nonnegative(),
    written: count,
    /** Records refused: about branches, permissions, credentials, secrets or the network. */
    refused: count,
  }),
  /** A learning step could not use the model's answer: the task ends as it would have. */
  'memory.learning_failed': z.object({
    what: z.enum(['repo_knowledge', 'review_rules']),
    message: z.string(),
    /** The start of the model's answer (bounded, secrets scrubbed), when there was one. */
    raw: z.string().optional(),
    /** The model asked, and what the call cost, when there was a call. */
    model: z.string().optional(),
    cost_usd: z.number().nonnegative().optional(),
  }),
} as const;
