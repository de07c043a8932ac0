import type { Logger } from '../ops/logger.ts';
import { listenForWakes } from '../storage/wake-listener.ts';

/** The channel the outbox trigger notifies on (migration 011): the payload is the task id. */
export const OUTBOX_CHANNEL = 'abca_channel_outbox';

/** Wakes the outbox dispatcher on each new outbox row (a hint: its slow poll covers what is missed). */
export function listenForOutbox(url: string, log: Logger, onWake: () => void) {
  return listenForWakes(url, OUTBOX_CHANNEL, { log, what: 'outbox listener', onWake });
}
