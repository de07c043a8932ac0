import type { ChannelMessages } from '../ports/channel-notifier.ts';
import type { Queryable } from '../storage/db.ts';

/** {@link ChannelMessages} on the `channel_messages` table (migration 011). */
export function createChannelMessages(db: Queryable, channel: string): ChannelMessages {
  return {
    async get(taskId, purpose) {
      const res = await db.query<{ external_id: string }>(
        'SELECT external_id FROM channel_messages WHERE task_id = $1 AND purpose = $2',
        [taskId, purpose],
      );
      return res.rows[0]?.external_id;
    },
    async save(taskId, purpose, externalId) {
      await db.query(
        `INSERT INTO channel_messages (task_id, purpose, channel, external_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (task_id, purpose) DO UPDATE SET external_id = EXCLUDED.external_id, updated_at = now()`,
        [taskId, purpose, channel, externalId],
      );
    },
  };
}
