-- Channels (docs/channels.md): where a task came from, who sent it, and the answers that go back.

-- The channel a task came through and its reference there (a delivery id, an issue and comment,
-- a Slack channel and thread): contracts ChannelRef, validated on write and on read.
ALTER TABLE tasks ADD COLUMN channel text NOT NULL DEFAULT 'api'
  CHECK (channel IN ('api', 'cli', 'webhook', 'github', 'slack'));
ALTER TABLE tasks ADD COLUMN channel_ref jsonb;

-- External identities linked to an ABCA user: a channel request is made as the linked user.
-- `external_id`: the GitHub login, lower-cased (GitHub logins are case-insensitive), or the Slack
-- user id as `<team id>:<user id>`.
CREATE TABLE user_identities (
  provider     text NOT NULL CHECK (provider IN ('github', 'slack')),
  external_id  text NOT NULL,
  user_id      text NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, external_id)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- Every delivery a channel accepted, by its source's id: a delivery seen twice is answered from
-- here and creates nothing (GitHub's X-GitHub-Delivery, Slack's event_id, a webhook's message id).
CREATE TABLE channel_deliveries (
  source       text NOT NULL,
  delivery_id  text NOT NULL,
  task_id      text REFERENCES tasks(task_id) ON DELETE SET NULL,
  outcome      text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, delivery_id)
);
CREATE INDEX channel_deliveries_received ON channel_deliveries (received_at);

-- The outbox: what a channel must be told, written in the same transaction as the change it
-- reports (a trigger on task_events, so no writer can forget it). The dispatcher
-- (channels/outbox-dispatcher.ts) delivers each row with retries and backoff.
CREATE TABLE channel_outbox (
  id               bigserial PRIMARY KEY,
  task_id          text NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
  channel          text NOT NULL,
  event_seq        integer NOT NULL,
  event_type       text NOT NULL,
  status           text,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivered_at     timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (task_id, event_seq)
);
CREATE INDEX channel_outbox_due ON channel_outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

CREATE FUNCTION channel_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ch text;
BEGIN
  IF NEW.type NOT IN ('task.created', 'task.status_changed', 'step.started', 'finalization.pr_opened') THEN
    RETURN NEW;
  END IF;
  SELECT channel INTO ch FROM tasks WHERE task_id = NEW.task_id;
  IF ch IS NULL OR ch IN ('api', 'cli', 'webhook') THEN
    RETURN NEW;
  END IF;
  INSERT INTO channel_outbox (task_id, channel, event_seq, event_type, status)
    VALUES (NEW.task_id, ch, NEW.seq, NEW.type, NEW.data->>'to');
  PERFORM pg_notify('abca_channel_outbox', NEW.task_id);
  RETURN NEW;
END $$;
CREATE TRIGGER channel_outbox_on_event AFTER INSERT ON task_events
  FOR EACH ROW EXECUTE FUNCTION channel_outbox_enqueue();

-- The messages ABCA posted to a channel for a task, by purpose (`status`: the one status comment
-- or thread message it edits in place): found again by this id, never posted twice.
CREATE TABLE channel_messages (
  task_id      text NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
  purpose      text NOT NULL,
  channel      text NOT NULL,
  external_id  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, purpose)
);

-- Signed generic webhooks (POST /v1/webhooks): the secret is sealed (secrets/sealed-box.ts), shown
-- once at creation. `scheme`: `standard` (Standard Webhooks) or `legacy` (X-Webhook-Signature).
CREATE TABLE webhooks (
  webhook_id     text PRIMARY KEY,
  name           text NOT NULL,
  user_id        text NOT NULL REFERENCES users(user_id),
  scheme         text NOT NULL CHECK (scheme IN ('standard', 'legacy')),
  secret_sealed  text NOT NULL,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz,
  revoked_at     timestamptz
);
