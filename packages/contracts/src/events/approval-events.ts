import { z } from 'zod';
import { ApprovalChannel, ApprovalGate, ApprovalRequestData, ApprovalState } from '../approval.ts';

/** Approval gates (docs/approvals.md): a request, then one decision naming who made it and where. */
export const APPROVAL_EVENT_DATA = {
  /** The task stopped at a gate and waits in AWAITING_APPROVAL, holding no slot. */
  'approval.requested': z.object({
    approval_id: z.string(),
    gate: ApprovalGate,
    request: ApprovalRequestData,
    expires_at: z.string(),
  }),
  /** A person (or the timeout) decided; the task resumes from its gate. */
  'approval.decided': z.object({
    approval_id: z.string(),
    gate: ApprovalGate,
    state: ApprovalState.exclude(['pending']),
    /** The ABCA user id, or `timeout`. */
    by: z.string(),
    channel: ApprovalChannel,
    reason: z.string().nullable(),
    /** Approved with an edited plan. */
    plan_edited: z.boolean(),
  }),
} as const;
