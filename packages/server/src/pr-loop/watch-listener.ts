import type { Logger } from '../ops/logger.ts';
import { listenForWakes } from '../storage/wake-listener.ts';
import { PR_WATCH_CHANNEL } from './watch-store.ts';

/** Wakes the PR watcher on each nudge (a hint: the poller's own timer covers what is missed). */
export function listenForWatchNudges(url: string, log: Logger, onWake: () => void) {
  return listenForWakes(url, PR_WATCH_CHANNEL, { log, what: 'PR watch listener', onWake });
}
