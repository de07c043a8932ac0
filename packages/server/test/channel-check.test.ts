import { type FakeSlack, startFakeSlack } from '@abca/fake-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChannels } from '../src/ops/channel-check.ts';
import { createLogger } from '../src/ops/logger.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * `POST /v1/admin/channel-check` (what `abca doctor` shows as "slack answers"): the server asks
 * Slack who its bot is, so a wrong token is found before a task's answers start failing.
 */
let slack: FakeSlack;
let p: TestPlatform;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  slack = await startFakeSlack({ signingSecret: 'slack-signing-secret-for-tests-0009' });
  p = await startTestPlatform(
    { ABCA_SLACK_BOT_TOKEN: slack.botToken, ABCA_SLACK_API_URL: slack.apiUrl },
    { apiOnly: true },
  );
});
afterAll(async () => {
  await p?.platform.stop();
  await slack?.close();
});

const slackConfig = (botToken: string | undefined, apiUrl = slack.apiUrl) => ({
  ...p.platform.config.channels,
  slack: { ...p.platform.config.channels.slack, botToken, apiUrl },
});

describe('the channel check', () => {
  it('answers an admin with Slack’s team and bot, never the token; a member gets 403', async () => {
    const res = await p.request('POST', '/v1/admin/channel-check');
    expect(res.status).toBe(200);
    expect(res.body.data.channels).toEqual([
      expect.objectContaining({
        channel: 'slack',
        status: 'ok',
        detail: expect.stringContaining('team ABCA Fake'),
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(slack.botToken);
    const member = await p.userKey('mallory');
    expect((await p.request('POST', '/v1/admin/channel-check', { key: member })).status).toBe(403);
  });

  it('says a wrong token is refused by Slack, with the fix', async () => {
    const [check] = await checkChannels(slackConfig('xoxb-not-the-token'), log);
    expect(check).toMatchObject({ channel: 'slack', status: 'failed' });
    expect(check?.detail).toContain('invalid_auth');
    expect(check?.remedy).toContain('ABCA_SLACK_BOT_TOKEN');
    expect(JSON.stringify(check)).not.toContain('xoxb-not-the-token');
  });

  it('says an unreachable Slack is unreachable, and an unset token is not configured', async () => {
    const [down] = await checkChannels(slackConfig(slack.botToken, 'http://127.0.0.1:9/api/'), log);
    expect(down).toMatchObject({ status: 'failed', remedy: expect.stringContaining('ABCA_SLACK_API_URL') });
    expect(JSON.stringify(down)).not.toContain(slack.botToken);
    const [unset] = await checkChannels(slackConfig(undefined), log);
    expect(unset).toMatchObject({ channel: 'slack', status: 'not_configured' });
  });
});
