import { describe, expect, it } from 'vitest';
import { createLogger } from '../ops/logger.ts';
import type { ChannelNotifier } from '../ports/channel-notifier.ts';
import { createChannelNotifiers } from './notifiers.ts';

const log = createLogger({ level: 'silent' });
const channels = (fakeChannelUrl?: string) =>
  ({ channels: { fakeChannelUrl } }) as unknown as Parameters<typeof createChannelNotifiers>[0]['config'];

describe('the channel notifier registry', () => {
  it('has none unless a channel is configured', () => {
    expect(createChannelNotifiers({ config: channels(), log })).toEqual([]);
  });

  it('puts the fake channel in for GitHub and Slack when ABCA_FAKE_CHANNEL_URL is set', () => {
    expect(
      createChannelNotifiers({ config: channels('http://127.0.0.1:9'), log }).map((n) => n.channel),
    ).toEqual(['github', 'slack']);
  });

  it('keeps one notifier per channel, the one passed in winning', () => {
    const mine: ChannelNotifier = { channel: 'slack', deliver: async () => {} };
    const list = createChannelNotifiers({ config: channels('http://127.0.0.1:9'), log, extra: [mine] });
    expect(list.map((n) => n.channel).sort()).toEqual(['github', 'slack']);
    expect(list.find((n) => n.channel === 'slack')).toBe(mine);
  });
});
