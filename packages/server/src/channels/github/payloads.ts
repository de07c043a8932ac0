import { z } from 'zod';

/**
 * The parts of GitHub's webhook payloads ABCA reads (docs "Webhook events and payloads"), checked
 * at the trust boundary. Unknown keys are dropped; a payload missing what is read is a 400.
 */
const Login = z.string().min(1).max(100);
const User = z.object({ login: Login, type: z.string().max(50).optional() });

const Repository = z.object({
  full_name: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
});

const Installation = z.object({ id: z.number().int().positive() }).nullish();

const Issue = z.object({
  number: z.number().int().positive(),
  /** Present when the issue is a pull request (GitHub numbers both alike). */
  pull_request: z.object({}).passthrough().nullish(),
  user: User.nullish(),
});

export const IssuesPayload = z.object({
  action: z.string().min(1).max(100),
  issue: Issue,
  repository: Repository,
  sender: User,
  installation: Installation,
  /** `labeled` / `unlabeled`: the label. */
  label: z.object({ name: z.string().min(1).max(100) }).nullish(),
  /** `assigned` / `unassigned`: the user. */
  assignee: User.nullish(),
});
export type IssuesPayload = z.infer<typeof IssuesPayload>;

export const IssueCommentPayload = z.object({
  action: z.string().min(1).max(100),
  issue: Issue,
  comment: z.object({
    id: z.number().int().positive(),
    /** GitHub caps a comment at 65 536 characters. */
    body: z.string().max(262_144).nullable(),
    user: User,
  }),
  repository: Repository,
  sender: User,
  installation: Installation,
});
export type IssueCommentPayload = z.infer<typeof IssueCommentPayload>;

/** What every payload ABCA acts on carries: where it is from (for the rate limit). */
export const SourcePayload = z.object({
  repository: Repository.nullish(),
  installation: Installation,
});

/** `X-GitHub-Delivery`: a GUID on GitHub. */
export const DeliveryId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'X-GitHub-Delivery must be 1-100 characters of A-Z a-z 0-9 _ . : -');

/** `X-GitHub-Event`: a lower-case event name. */
export const EventName = z.string().regex(/^[a-z_]{1,60}$/, 'X-GitHub-Event must be an event name');

const PullRef = z.object({ number: z.number().int().positive() });
const Sha = z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha');

/**
 * The PR-loop events (`pull_request`, `pull_request_review`, `pull_request_review_comment`,
 * `pull_request_review_thread`): which pull request, and what happened to it.
 */
export const PullRequestActivityPayload = z.object({
  action: z.string().min(1).max(100),
  pull_request: PullRef,
  repository: Repository,
  sender: User,
  installation: Installation,
});
export type PullRequestActivityPayload = z.infer<typeof PullRequestActivityPayload>;

/** `check_run` / `check_suite`: the head commit and the pull requests it belongs to (may be empty). */
const CheckTarget = z.object({
  head_sha: Sha,
  status: z.string().max(50).nullish(),
  conclusion: z.string().max(50).nullish(),
  pull_requests: z.array(PullRef).max(100).default([]),
});
export const CheckRunPayload = z.object({
  action: z.string().min(1).max(100),
  check_run: CheckTarget,
  repository: Repository,
  installation: Installation,
});
export const CheckSuitePayload = z.object({
  action: z.string().min(1).max(100),
  check_suite: CheckTarget,
  repository: Repository,
  installation: Installation,
});

/** `status`: a commit status, naming only the commit. */
export const StatusPayload = z.object({
  sha: Sha,
  state: z.string().min(1).max(50),
  repository: Repository,
  installation: Installation,
});
