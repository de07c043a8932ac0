import type { ServerConfigInfo } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { slackResult } from './slack.ts';

const withSlack = (slack: ServerConfigInfo['channels']['slack']) =>
  ({ channels: { notifier: 'log', ...(slack ? { slack } : {}) } }) as ServerConfigInfo;
const base = { api_url: 'https://slack.com/api/', unlinked_user: null };

describe('doctor: the Slack channel', () => {
  it('says whether Slack is configured, and fails half a configuration with the fix', () => {
    expect(slackResult(withSlack(undefined))).toBeUndefined();
    expect(
      slackResult(withSlack({ ...base, signing_secret_set: false, bot_token_set: false })),
    ).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('not configured'),
    });
    expect(slackResult(withSlack({ ...base, signing_secret_set: true, bot_token_set: true }))).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('https://slack.com/api/'),
    });
    expect(slackResult(withSlack({ ...base, signing_secret_set: true, bot_token_set: false }))).toMatchObject(
      {
        status: 'fail',
        fix: expect.stringContaining('ABCA_SLACK_BOT_TOKEN'),
      },
    );
    expect(slackResult(withSlack({ ...base, signing_secret_set: false, bot_token_set: true }))).toMatchObject(
      {
        status: 'fail',
        fix: expect.stringContaining('ABCA_SLACK_SIGNING_SECRET'),
      },
    );
  });
});
