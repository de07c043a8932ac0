import type { AuthScheme } from './auth.ts';
import type { FaultMatcher, FaultResponse } from './faults.ts';
import type { Permission } from './state.ts';

export interface FakeRepoOptions {
  readonly owner: string;
  readonly name: string;
  /** Defaults to `main`. */
  readonly defaultBranch?: string;
  /** A folder whose files become the first commit (it is read, never changed); a README otherwise. */
  readonly seedDir?: string;
  /** Private repositories are invisible (404) to tokens without access; public ones are readable by all. */
  readonly private?: boolean;
}

/** A personal access token's owner and the access it grants on every repository. */
export interface FakeTokenGrant {
  readonly login: string;
  readonly permissions: Permission;
}

/** A GitHub App installed on every repository of the server. */
export interface FakeAppOptions {
  readonly appId: number;
  /** PEM of the app's RSA private key; the server keeps only the public half to verify RS256 JWTs. */
  readonly privateKeyPem: string;
  readonly installationId: number;
  /** The app slug; installation tokens act as `${slug}[bot]`. Defaults to `abca`. */
  readonly slug?: string;
}

export interface FakeGitHubOptions {
  readonly repos?: readonly FakeRepoOptions[];
  /** Personal access tokens by token value. */
  readonly tokens?: Readonly<Record<string, FakeTokenGrant>>;
  readonly app?: FakeAppOptions;
  /** Sends a signed delivery for every event to this receiver (also `FakeGitHub.deliverWebhooks`). */
  readonly webhooks?: FakeWebhookTarget;
}

/** Where the fake sends its webhook deliveries, and the secret it signs them with. */
export interface FakeWebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** One webhook delivery the fake sent on its own (an event of its state). */
export interface FakeDeliveryRecord {
  readonly event: string;
  readonly action: string | undefined;
  readonly deliveryId: string;
  /** The receiver's answer; 0 while in flight, -1 when it could not be reached. */
  status: number;
  readonly payload: Record<string, unknown>;
}

/** A review as a person submits it on GitHub (`POST …/reviews`). */
export interface FakeReviewInput {
  readonly reviewer: string;
  readonly event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';
  readonly body?: string;
  /** Comments on lines of the diff; `side` defaults to `RIGHT`. Off the diff: the call throws, as GitHub answers 422. */
  readonly comments?: readonly { path: string; line: number; side?: 'LEFT' | 'RIGHT'; body: string }[];
}

export interface FakeReview {
  readonly id: number;
  readonly author: string;
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  readonly body: string;
  readonly commitId: string;
  /** The ids of the review comments posted with it. */
  readonly commentIds: number[];
}

/** One file a person commits on a branch; `file` is another name for `path`. */
export type FakeCommitInput = ({ path: string } | { file: string }) & {
  readonly content: string;
  readonly author: string;
  readonly message?: string;
};

/** A check run a CI app completes on a commit. */
export interface FakeCheckRunInput {
  readonly headSha: string;
  readonly name: string;
  readonly conclusion:
    | 'success'
    | 'failure'
    | 'neutral'
    | 'cancelled'
    | 'skipped'
    | 'timed_out'
    | 'action_required';
  readonly output?: { title: string; summary: string; text?: string };
  readonly detailsUrl?: string;
  /** The CI app; defaults to GitHub Actions (`github-actions`, id 15368). */
  readonly app?: { id: number; slug: string };
}

export interface FakeStatusInput {
  readonly state: 'error' | 'failure' | 'pending' | 'success';
  /** Defaults to `default`, as on GitHub. */
  readonly context?: string;
  readonly description?: string;
  readonly targetUrl?: string;
  /** Defaults to the repository owner. */
  readonly creator?: string;
}

export interface FakeIssueInput {
  readonly title: string;
  readonly body?: string;
  /** Defaults to the repository owner. */
  readonly author?: string;
  readonly comments?: readonly { readonly author: string; readonly body: string }[];
}

export interface FakePullRequestInput {
  readonly title: string;
  /** A branch of the repository (`branch` or `owner:branch`); it need not exist yet. */
  readonly head: string;
  /** Defaults to the repository's default branch. */
  readonly base?: string;
  readonly body?: string;
  readonly draft?: boolean;
  /** Defaults to the repository owner. */
  readonly author?: string;
  readonly state?: 'open' | 'closed';
}

export interface FakeReviewCommentInput {
  readonly path: string;
  readonly line: number;
  readonly body: string;
  /** Defaults to the repository owner. */
  readonly author?: string;
  /** The id of the review comment this one answers (`in_reply_to_id`). */
  readonly inReplyTo?: number;
  /** Defaults to `RIGHT` (the head side). */
  readonly side?: 'LEFT' | 'RIGHT';
  /** Defaults to the PR's head commit at the time it is read. */
  readonly commitId?: string;
}

/** A pull request as the server holds it. */
export interface FakePullRequest {
  readonly number: number;
  /** The global id (REST `node_id`, GraphQL `id`). */
  readonly nodeId: string;
  readonly title: string;
  readonly body: string | null;
  readonly draft: boolean;
  readonly state: 'open' | 'closed';
  readonly head: { readonly ref: string };
  readonly base: { readonly ref: string };
  readonly author: string;
  readonly merged: boolean;
  readonly mergeCommitSha: string | null;
  readonly labels: readonly string[];
}

export interface FakeIssueComment {
  readonly id: number;
  readonly author: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** How many times it was edited through `PATCH /repos/{o}/{r}/issues/comments/{id}`. */
  readonly edits: number;
}

/** A reaction on an issue or an issue comment. */
export interface FakeReaction {
  readonly id: number;
  readonly user: string;
  readonly content: string;
}

/**
 * A webhook delivery to build: GitHub's example payload for `event` and `action`
 * (`@octokit/webhooks-examples`) filled with the fake's repository, issue, comment and users.
 */
export interface FakeWebhookInput {
  /** `X-GitHub-Event`: `issues`, `issue_comment`, `ping`, … */
  readonly event: string;
  readonly action?: string;
  readonly owner: string;
  readonly name: string;
  /** The issue or pull request the event is about. */
  readonly number?: number;
  /** The login that acted (`sender`). */
  readonly sender: string;
  /** `issues.labeled`: the label added. */
  readonly label?: string;
  /** `issues.assigned`: the login assigned. */
  readonly assignee?: string;
  /** `issue_comment`: the comment (added first with `addIssueComment`). */
  readonly commentId?: number;
  /** The secret `X-Hub-Signature-256` is computed with. */
  readonly secret: string;
  /** `X-GitHub-Delivery`; a fresh GUID by default. */
  readonly deliveryId?: string;
  /** Top-level keys put over the payload (to send a malformed one). */
  readonly extra?: Record<string, unknown>;
}

/** A delivery ready to send: the exact body bytes and GitHub's headers. */
export interface FakeWebhookDelivery {
  readonly event: string;
  readonly deliveryId: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export interface FakeWebhookResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export interface FakeReviewComment {
  readonly id: number;
  readonly author: string;
  readonly path: string;
  readonly line: number;
  readonly body: string;
  readonly inReplyTo: number | undefined;
}

/** What a test may change about a review thread (GitHub shows both only over GraphQL). */
export interface FakeReviewThreadUpdate {
  readonly resolved?: boolean;
  /** Its lines changed since: `line` reads null over GraphQL and REST, the original line stays. */
  readonly outdated?: boolean;
}

/** One request the server received. */
export interface LoggedRequest {
  readonly method: string;
  /** The path as requested, without the query (`/api/v3/repos/acme/app/pulls`, `/acme/app.git/info/refs`). */
  readonly path: string;
  /** The query string without `?`; empty when there is none. */
  readonly query: string;
  /** The response status; 0 while unanswered (a `hang` fault stays 0). */
  status: number;
  /** How the request authenticated; never the credential. */
  readonly authorization: AuthScheme;
}

/** A running fake GitHub: see `startFakeGitHub`. */
export interface FakeGitHub {
  /** `http://127.0.0.1:PORT/api/v3`, Octokit's `baseUrl` (the same routes are also served at the root). */
  readonly apiUrl: string;
  /** `http://127.0.0.1:PORT`, the web and git root. */
  readonly webUrl: string;
  /** `http://127.0.0.1:PORT/owner/name.git`. */
  gitUrl(owner: string, name: string): string;
  /** Creates a repository (a bare git repository on disk with one commit). */
  addRepo(options: FakeRepoOptions): Promise<void>;
  /** Adds (or replaces) a personal access token. */
  addToken(token: string, grant: FakeTokenGrant): void;
  /** Opens an issue; returns its number. */
  addIssue(owner: string, name: string, input: FakeIssueInput): number;
  /** Opens a pull request without the checks `POST /pulls` makes; returns its number. */
  addPullRequest(owner: string, name: string, input: FakePullRequestInput): number;
  /** Adds a review comment to a pull request; returns its id. */
  addReviewComment(owner: string, name: string, pullNumber: number, input: FakeReviewCommentInput): number;
  /** Adds a comment to an issue or pull request; returns its id. */
  addIssueComment(
    owner: string,
    name: string,
    number: number,
    comment: { author: string; body: string },
  ): number;
  /** The pull requests the server holds, lowest number first. */
  pulls(owner: string, name: string): FakePullRequest[];
  issueComments(owner: string, name: string, number: number): FakeIssueComment[];
  reviewComments(owner: string, name: string, pullNumber: number): FakeReviewComment[];
  /** Resolves (or reopens) the review thread of a review comment (any of it), or marks it outdated. */
  updateReviewThread(
    owner: string,
    name: string,
    pullNumber: number,
    commentId: number,
    update: FakeReviewThreadUpdate,
  ): void;
  /** Gives `login` this access to a repository (GitHub's collaborator permission). */
  setCollaborator(owner: string, name: string, login: string, permission: Permission): void;
  /** The reactions on an issue or pull request, or on one of its comments. */
  reactions(owner: string, name: string, target: { issue: number } | { comment: number }): FakeReaction[];
  /** Builds a signed webhook delivery from the fake's state (send it with `sendWebhook`). */
  webhookDelivery(input: FakeWebhookInput): FakeWebhookDelivery;
  /** POSTs a delivery (built here, or built and altered by the test) to `url`, as GitHub does. */
  sendWebhook(url: string, delivery: FakeWebhookDelivery | FakeWebhookInput): Promise<FakeWebhookResponse>;
  // ---- A person on GitHub (each sends its webhooks and resolves once the receiver answered) ----

  /** Sends every event from now on to `target` (undefined: stop). */
  deliverWebhooks(target: FakeWebhookTarget | undefined): void;
  /** The deliveries the fake sent on its own, oldest first (a live array). */
  readonly deliveries: FakeDeliveryRecord[];
  /** Resolves once every delivery queued so far was answered. */
  settleWebhooks(): Promise<void>;
  /** Submits a review with line comments (each opens a thread); returns the review. */
  submitReview(owner: string, name: string, pullNumber: number, input: FakeReviewInput): Promise<FakeReview>;
  /** The reviews of a pull request, oldest first. */
  reviews(owner: string, name: string, pullNumber: number): FakeReview[];
  /** Replies in the thread of a review comment; returns the reply's id. */
  replyToReviewComment(
    owner: string,
    name: string,
    pullNumber: number,
    commentId: number,
    reply: { author: string; body: string },
  ): Promise<number>;
  /** Resolves (or unresolves) the thread of a review comment, as `by`; sends `pull_request_review_thread`. */
  resolveReviewThread(
    owner: string,
    name: string,
    pullNumber: number,
    commentId: number,
    opts?: { by?: string; resolved?: boolean },
  ): Promise<void>;
  /** Whether each review thread is resolved, with its comments' bodies, oldest thread first. */
  reviewThreads(
    owner: string,
    name: string,
    pullNumber: number,
  ): { id: string; path: string; resolved: boolean; outdated: boolean; bodies: string[] }[];
  /** A CI app completes a check run on a commit (its suite completes with it); returns the run id. */
  completeCheckRun(owner: string, name: string, input: FakeCheckRunInput): Promise<number>;
  /** Sets a commit status (the sha given apart, or in the input); returns its id. */
  setStatus(owner: string, name: string, sha: string, input: FakeStatusInput): Promise<number>;
  setStatus(owner: string, name: string, input: FakeStatusInput & { sha: string }): Promise<number>;
  /** Merges a pull request as `by` (the owner by default); returns the merge commit. Throws when GitHub would refuse. */
  merge(
    owner: string,
    name: string,
    pullNumber: number,
    opts?: { by?: string; method?: 'merge' | 'squash'; sha?: string },
  ): Promise<string>;
  /** Closes (or reopens) a pull request without merging it. */
  closePull(
    owner: string,
    name: string,
    pullNumber: number,
    opts?: { by?: string; reopen?: boolean },
  ): Promise<void>;
  addLabel(owner: string, name: string, number: number, label: string, opts?: { by?: string }): Promise<void>;
  removeLabel(
    owner: string,
    name: string,
    number: number,
    label: string,
    opts?: { by?: string },
  ): Promise<void>;
  /** A person commits one file on a branch (the web editor); sends `synchronize` for its open pull requests. */
  pushCommit(owner: string, name: string, branch: string, change: FakeCommitInput): Promise<string>;
  /** A person comments on an issue or pull request; sends `issue_comment`. Returns the id. */
  postIssueComment(
    owner: string,
    name: string,
    number: number,
    comment: { author: string; body: string },
  ): Promise<number>;

  /** Every request received, in order (a live array). */
  readonly requests: LoggedRequest[];
  /** Makes the next `matcher.times` (default 1) matching requests fail with `response`. */
  fail(matcher: FaultMatcher, response: FaultResponse): void;
  /** Drops faults not yet consumed. */
  clearFaults(): void;
  /** The bare repository folder, for inspecting refs with git. */
  repoPath(owner: string, name: string): string;
  /** Stops the server, drops hanging connections and deletes the repositories. Idempotent. */
  close(): Promise<void>;
  /** With a pull request: `closePull` (a person closes it without merging). */
  close(
    owner: string,
    name: string,
    pullNumber: number,
    opts?: { by?: string; reopen?: boolean },
  ): Promise<void>;
}
