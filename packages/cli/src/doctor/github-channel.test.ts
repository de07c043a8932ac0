import type { ServerConfigInfo } from '@abca/contracts';
import { describe, expect, it } from 'vitest';
import { githubChannelResult } from './github-channel.ts';

const info = (github: ServerConfigInfo['channels']['github']) =>
  ({ channels: { notifier: 'log', github } }) as ServerConfigInfo;
const on = { webhook_secret_set: true, api_configured: true, bot_login: 'abca[bot]', unlinked_user: null };

describe('doctor: the GitHub channel', () => {
  it('is ok and off without a webhook secret; absent from an older server', () => {
    expect(githubChannelResult(info({ ...on, webhook_secret_set: false }), 'http://h')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('not configured'),
    });
    expect(githubChannelResult(info(undefined), 'http://h')).toBeUndefined();
  });

  it('fails with a secret but no GitHub credentials, naming the settings', () => {
    const r = githubChannelResult(info({ ...on, api_configured: false }), 'http://h');
    expect(r).toMatchObject({ status: 'fail' });
    expect(r?.fix).toContain('ABCA_GITHUB_TOKEN');
  });

  it('says where deliveries go, the bot, and what unlinked senders get', () => {
    expect(githubChannelResult(info(on), 'https://abca.example.com/')?.detail).toBe(
      'deliveries to https://abca.example.com/webhooks/github; bot abca[bot]; unlinked senders get a reply saying how to link',
    );
    expect(githubChannelResult(info({ ...on, unlinked_user: 'triage' }), 'http://h')?.detail).toContain(
      'unlinked senders act as triage',
    );
  });
});
