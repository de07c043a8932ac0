export type { AuthScheme } from './auth.ts';
export type {
  FakeAppOptions,
  FakeGitHub,
  FakeGitHubOptions,
  FakeIssueComment,
  FakeIssueInput,
  FakePullRequest,
  FakePullRequestInput,
  FakeReaction,
  FakeRepoOptions,
  FakeReviewComment,
  FakeReviewCommentInput,
  FakeReviewThreadUpdate,
  FakeTokenGrant,
  FakeWebhookDelivery,
  FakeWebhookInput,
  FakeWebhookResponse,
  LoggedRequest,
} from './fake-github.ts';
export type { FaultMatcher, FaultResponse } from './faults.ts';
export { startFakeGitHub } from './server.ts';
export type { Permission } from './state.ts';
export { signWebhookBody } from './webhooks.ts';
