-- The outbox dispatcher (channels/outbox-dispatcher.ts) gives up on a row after its last attempt:
-- the row stays for the operator to read (`last_error`), is no longer due, and is pruned with the
-- delivered ones.
ALTER TABLE channel_outbox ADD COLUMN given_up_at timestamptz;
DROP INDEX channel_outbox_due;
CREATE INDEX channel_outbox_due ON channel_outbox (next_attempt_at, id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;
CREATE INDEX channel_outbox_task_pending ON channel_outbox (task_id, id)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;
