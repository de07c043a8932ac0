export type { AuthScheme } from './auth.ts';
export type {
  FakeAppOptions,
  FakeGitHub,
  FakeGitHubOptions,
  FakeIssueComment,
  FakeIssueInput,
  FakePullRequest,
  FakePullRequestInput,
  FakeRepoOptions,
  FakeReviewComment,
  FakeReviewCommentInput,
  FakeReviewThreadUpdate,
  FakeTokenGrant,
  LoggedRequest,
} from './fake-github.ts';
export type { FaultMatcher, FaultResponse } from './faults.ts';
export { startFakeGitHub } from './server.ts';
export type { Permission } from './state.ts';
