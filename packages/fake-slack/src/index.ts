export type { SendOptions, SentResponse, SlackSender } from './sender.ts';
export type { FakeSlack, FakeSlackOptions, LoggedCall } from './server.ts';
export { startFakeSlack } from './server.ts';
export { signedHeaders, slackSignature } from './signing.ts';
export type { FakeSlackMessage, FakeSlackUser, FakeSlackView } from './state.ts';
