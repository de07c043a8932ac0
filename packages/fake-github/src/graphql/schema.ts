import { buildSchema } from 'graphql';

/**
 * The part of GitHub's GraphQL schema the fake answers, with GitHub's names and types (a subset of
 * each type's fields; connections page with `first`/`after` only). graphql-js validates every
 * document against it, so anything outside it is refused before a resolver runs.
 */
export const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  scalar URI

  type Query {
    repository(owner: String!, name: String!): Repository
    node(id: ID!): Node
  }

  interface Node {
    id: ID!
  }

  type Mutation {
    convertPullRequestToDraft(input: ConvertPullRequestToDraftInput!): ConvertPullRequestToDraftPayload
    markPullRequestReadyForReview(input: MarkPullRequestReadyForReviewInput!): MarkPullRequestReadyForReviewPayload
    resolveReviewThread(input: ResolveReviewThreadInput!): ResolveReviewThreadPayload
    unresolveReviewThread(input: UnresolveReviewThreadInput!): UnresolveReviewThreadPayload
    addPullRequestReviewThreadReply(input: AddPullRequestReviewThreadReplyInput!): AddPullRequestReviewThreadReplyPayload
  }

  input ResolveReviewThreadInput {
    threadId: ID!
    clientMutationId: String
  }

  type ResolveReviewThreadPayload {
    clientMutationId: String
    thread: PullRequestReviewThread
  }

  input UnresolveReviewThreadInput {
    threadId: ID!
    clientMutationId: String
  }

  type UnresolveReviewThreadPayload {
    clientMutationId: String
    thread: PullRequestReviewThread
  }

  input AddPullRequestReviewThreadReplyInput {
    pullRequestReviewThreadId: ID!
    body: String!
    clientMutationId: String
  }

  type AddPullRequestReviewThreadReplyPayload {
    clientMutationId: String
    comment: PullRequestReviewComment
  }

  type Repository {
    name: String!
    nameWithOwner: String!
    isPrivate: Boolean!
    url: URI!
    pullRequest(number: Int!): PullRequest
  }

  enum PullRequestState {
    OPEN
    CLOSED
    MERGED
  }

  type PullRequest implements Node {
    id: ID!
    databaseId: Int
    number: Int!
    title: String!
    body: String!
    isDraft: Boolean!
    state: PullRequestState!
    headRefName: String!
    baseRefName: String!
    url: URI!
    reviewThreads(first: Int, after: String, last: Int, before: String): PullRequestReviewThreadConnection!
  }

  enum DiffSide {
    LEFT
    RIGHT
  }

  type PullRequestReviewThread implements Node {
    id: ID!
    pullRequest: PullRequest!
    isResolved: Boolean!
    isOutdated: Boolean!
    isCollapsed: Boolean!
    path: String!
    line: Int
    originalLine: Int
    startLine: Int
    originalStartLine: Int
    diffSide: DiffSide!
    comments(first: Int, after: String, last: Int, before: String): PullRequestReviewCommentConnection!
  }

  type PullRequestReviewComment implements Node {
    id: ID!
    databaseId: Int
    author: Actor
    body: String!
    path: String!
    line: Int
    originalLine: Int
    outdated: Boolean!
    createdAt: DateTime!
    url: URI!
  }

  interface Actor {
    login: String!
  }

  type User implements Actor {
    login: String!
  }

  type Bot implements Actor {
    login: String!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type PullRequestReviewThreadConnection {
    nodes: [PullRequestReviewThread]
    edges: [PullRequestReviewThreadEdge]
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type PullRequestReviewThreadEdge {
    cursor: String!
    node: PullRequestReviewThread
  }

  type PullRequestReviewCommentConnection {
    nodes: [PullRequestReviewComment]
    edges: [PullRequestReviewCommentEdge]
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type PullRequestReviewCommentEdge {
    cursor: String!
    node: PullRequestReviewComment
  }

  input ConvertPullRequestToDraftInput {
    pullRequestId: ID!
    clientMutationId: String
  }

  type ConvertPullRequestToDraftPayload {
    clientMutationId: String
    pullRequest: PullRequest
  }

  input MarkPullRequestReadyForReviewInput {
    pullRequestId: ID!
    clientMutationId: String
  }

  type MarkPullRequestReadyForReviewPayload {
    clientMutationId: String
    pullRequest: PullRequest
  }
`);
