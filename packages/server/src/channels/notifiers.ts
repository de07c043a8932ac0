import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { ChannelNotifier } from '../ports/channel-notifier.ts';
import { createFakeChannelNotifier } from './fake-channel-notifier.ts';

export interface NotifierInputs {
  config: Pick<Config, 'channels'>;
  log: Logger;
  /** Notifiers given by the caller (PlatformOptions.channelNotifiers, for tests); they win. */
  extra?: readonly ChannelNotifier[];
}

/**
 * The channel notifiers of this process, one per channel, for the outbox dispatcher: each real
 * channel adds its own when it is configured; the fake channel (`ABCA_FAKE_CHANNEL_URL`, tests
 * only) stands in for both; notifiers passed in win. A later notifier for a channel replaces an
 * earlier one.
 */
export function createChannelNotifiers(inputs: NotifierInputs): ChannelNotifier[] {
  const list: ChannelNotifier[] = [];
  // The real channels add theirs here, one line each, when configured.
  const fakeUrl = inputs.config.channels.fakeChannelUrl;
  if (fakeUrl) {
    inputs.log.warn(
      { url: fakeUrl },
      'channel notices go to the fake channel (ABCA_FAKE_CHANNEL_URL: tests only)',
    );
    list.push(
      createFakeChannelNotifier({ channel: 'github', baseUrl: fakeUrl }),
      createFakeChannelNotifier({ channel: 'slack', baseUrl: fakeUrl }),
    );
  }
  list.push(...(inputs.extra ?? []));
  const byChannel = new Map<string, ChannelNotifier>();
  for (const n of list) byChannel.set(n.channel, n);
  return [...byChannel.values()];
}
