/**
 * A process that delivers a GitHub task's outbox notices once, for github-channel-crash.test.ts:
 * with `crash-after-post`, it SIGKILLs itself right after the status comment is posted and before
 * its id is recorded — the window a crash leaves a comment the platform does not know of.
 * Arguments: one JSON object { databaseUrl, taskId, apiUrl, token, crash? }.
 */
import { createChannelMessages } from '../../src/channels/channel-messages.ts';
import { createGitHubChannelApi } from '../../src/channels/github/github-api.ts';
import { createGitHubChannelNotifier } from '../../src/channels/github/notifier.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createPool } from '../../src/storage/db.ts';
import { getTask } from '../../src/store/task-store.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  databaseUrl: string;
  taskId: string;
  apiUrl: string;
  token: string;
  crash?: 'crash-after-post';
};
const db = createPool(args.databaseUrl, 2);
const task = await getTask(db, args.taskId);
if (!task) throw new Error(`no task ${args.taskId}`);
const rows = await db.query<{ id: string; event_type: string; event_seq: number; status: string | null }>(
  'SELECT id, event_type, event_seq, status FROM channel_outbox WHERE task_id = $1 ORDER BY id',
  [args.taskId],
);
const real = createChannelMessages(db, 'github');
const messages = {
  get: real.get,
  save: async (taskId: string, purpose: string, externalId: string) => {
    if (args.crash === 'crash-after-post') process.kill(process.pid, 'SIGKILL');
    await real.save(taskId, purpose, externalId);
  },
};
await createGitHubChannelNotifier({
  db,
  api: createGitHubChannelApi({ github: { token: args.token, apiUrl: args.apiUrl } }),
  log: createLogger({ level: 'silent' }),
  botLogin: 'abca-bot',
}).deliver(
  task,
  rows.rows.map((r) => ({
    outboxId: Number(r.id),
    eventType: r.event_type,
    eventSeq: r.event_seq,
    status: r.status as never,
  })),
  messages,
);
await db.end();
