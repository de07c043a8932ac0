import type { Config } from '../config/config.ts';
import type { Logger } from '../ops/logger.ts';
import type { ChannelNotifier } from '../ports/channel-notifier.ts';
import type { Queryable } from '../storage/db.ts';
import { createFakeChannelNotifier } from './fake-channel-notifier.ts';
import { createGitHubChannelApi } from './github/github-api.ts';
import { createGitHubChannelNotifier } from './github/notifier.ts';
import { slackNotifierFromConfig } from './slack/notifier.ts';

export interface NotifierInputs {
  config: Pick<Config, 'channels' | 'github'>;
  db: Queryable;
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
  // GitHub answers on the issue when the server can call GitHub (a token or an App); without one a
  // GitHub task's notices wait (and doctor says why).
  const githubApi = createGitHubChannelApi({ github: inputs.config.github });
  if (githubApi)
    list.push(
      createGitHubChannelNotifier({
        db: inputs.db,
        log: inputs.log,
        api: githubApi,
        botLogin: inputs.config.channels.github.botLogin,
      }),
    );
  const slack = slackNotifierFromConfig(inputs.config.channels, inputs.log, inputs.db);
  if (slack) list.push(slack);
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
