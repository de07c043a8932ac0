import type { RepoAccess } from './github-api.ts';

/** Who may ask ABCA for a task on GitHub, or decide one's approval: write access or more. */
export const WRITE_ACCESS: readonly RepoAccess[] = ['admin', 'maintain', 'write'];

/** The refusals replied, by repo, issue, sender and reason (in channel_deliveries, beside the deliveries). */
export const REPLY_SOURCE = 'github-reply';
