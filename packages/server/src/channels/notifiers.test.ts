import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../ops/logger.ts';
import type { ChannelNotifier } from '../ports/channel-notifier.ts';
import type { Queryable } from '../storage/db.ts';
import { createChannelNotifiers } from './notifiers.ts';

const log = createLogger({ level: 'silent' });
// The registry only builds notifiers: nothing here reaches the database.
const db = {} as Queryable;
const config = (env: Record<string, string> = {}) => loadConfig({ ABCA_HOME: '/tmp/abca-registry', ...env });

describe('the channel notifier registry', () => {
  it('has none unless a channel is configured', () => {
    expect(createChannelNotifiers({ config: config(), db, log })).toEqual([]);
  });

  it('has GitHub when the server can call GitHub, Slack when it has a bot token', () => {
    expect(
      createChannelNotifiers({ config: config({ ABCA_GITHUB_TOKEN: 'ghp_x' }), db, log }).map(
        (n) => n.channel,
      ),
    ).toEqual(['github']);
    expect(
      createChannelNotifiers({ config: config({ ABCA_SLACK_BOT_TOKEN: 'xoxb-1' }), db, log }).map(
        (n) => n.channel,
      ),
    ).toEqual(['slack']);
  });

  it('puts the fake channel in for GitHub and Slack when ABCA_FAKE_CHANNEL_URL is set', () => {
    expect(
      createChannelNotifiers({
        config: config({ ABCA_FAKE_CHANNEL_URL: 'http://127.0.0.1:9', ABCA_SLACK_BOT_TOKEN: 'xoxb-1' }),
        db,
        log,
      }).map((n) => [n.channel, n.constructor.name]),
    ).toHaveLength(2);
  });

  it('keeps one notifier per channel, the one passed in winning', () => {
    const mine: ChannelNotifier = { channel: 'slack', deliver: async () => {} };
    const list = createChannelNotifiers({
      config: config({ ABCA_FAKE_CHANNEL_URL: 'http://127.0.0.1:9' }),
      db,
      log,
      extra: [mine],
    });
    expect(list.map((n) => n.channel).sort()).toEqual(['github', 'slack']);
    expect(list.find((n) => n.channel === 'slack')).toBe(mine);
  });
});
