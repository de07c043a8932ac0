/**
 * The outbox pump (slack-outbox-pump.ts) as its own process, for slack-crash.test.ts until the
 * platform's outbox dispatcher is merged: delivers Slack notices of DATABASE_URL with the notifier,
 * prints `{"ready":true}`, and is SIGKILLed by the test.
 */
import { createSlackChannelNotifier } from '../../src/channels/slack/notifier.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createPool } from '../../src/storage/db.ts';
import { startOutboxPump } from './slack-outbox-pump.ts';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const db = createPool(env('DATABASE_URL'), 2);
startOutboxPump(
  db,
  createSlackChannelNotifier({
    token: env('ABCA_SLACK_BOT_TOKEN'),
    apiUrl: env('ABCA_SLACK_API_URL'),
    log: createLogger({ level: 'warn' }),
  }),
  { intervalMs: 50 },
);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
