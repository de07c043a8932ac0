import { z } from 'zod';

/**
 * What the PR loop's steps did: an iteration's context and replies, a review's result. Each
 * entry's schema is the contract the CLI (and the dashboard) read it with.
 */
export const PR_EVENT_DATA = {} as const;
