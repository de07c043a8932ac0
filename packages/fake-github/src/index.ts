export type { AuthScheme } from './auth.ts';
export type {
  FakeAppOptions,
  FakeCheckRunInput,
  FakeCommitInput,
  FakeDeliveryRecord,
  FakeGitHub,
  FakeGitHubOptions,
  FakeIssueComment,
  FakeIssueInput,
  FakePullRequest,
  FakePullRequestInput,
  FakeReaction,
  FakeRepoOptions,
  FakeReview,
  FakeReviewComment,
  FakeReviewCommentInput,
  FakeReviewInput,
  FakeReviewThreadUpdate,
  FakeStatusInput,
  FakeTokenGrant,
  FakeWebhookDelivery,
  FakeWebhookInput,
  FakeWebhookResponse,
  FakeWebhookTarget,
  LoggedRequest,
} from './fake-github.ts';
export type { FaultMatcher, FaultResponse } from './faults.ts';
export { serveGitHttp } from './git-http.ts';
export { startFakeGitHub } from './server.ts';
export type { Permission } from './state.ts';
export { signWebhookBody } from './webhooks.ts';
