-- The PR watcher (docs/pr-loop.md): one row per pull request an ABCA task opened, what the watcher
-- has seen and done on it, and how it ended (the outcome behind GET /v1/stats).
CREATE TABLE pr_watches (
  id               bigserial PRIMARY KEY,
  repo             text NOT NULL,
  number           integer NOT NULL,
  forge_kind       text NOT NULL,
  branch           text NOT NULL,
  url              text NOT NULL,
  -- The task that opened it, and its user (iteration tasks are made as that user).
  origin_task_id   text NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
  user_id          text NOT NULL,
  watch_state      text NOT NULL DEFAULT 'watching' CHECK (watch_state IN ('watching', 'stopped', 'ended')),
  -- stop_label, stop_comment, iteration_limit, spend_limit, watcher_off, merged, closed, ...
  watch_reason     text,
  state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'merged', 'closed')),
  head_sha         text,
  opened_at        timestamptz NOT NULL,
  first_review_at  timestamptz,
  merged_at        timestamptz,
  closed_at        timestamptz,
  -- Reviews by people that requested changes or commented (counted at each poll).
  human_reviews    integer NOT NULL DEFAULT 0,
  -- Iterations the watcher started on comments alone (no review requesting changes among the reasons).
  comment_cycles   integer NOT NULL DEFAULT 0,
  -- coding/pr-iteration-v1 tasks on this pull request, whoever started them.
  iteration_tasks  integer NOT NULL DEFAULT 0,
  -- Iterations the watcher itself started: the next one's idempotency key is derived from it.
  loop_iterations  integer NOT NULL DEFAULT 0,
  human_commits    integer NOT NULL DEFAULT 0,
  cost_usd         numeric(12, 6) NOT NULL DEFAULT 0,
  -- The cursor: ids of the reviews, comments and failing checks (per head sha) already acted on.
  seen             jsonb NOT NULL DEFAULT '{}',
  -- The iteration task under way; `pending`: more asked meanwhile (one task at a time per PR).
  active_task_id   text,
  pending          boolean NOT NULL DEFAULT false,
  pending_reasons  jsonb NOT NULL DEFAULT '[]',
  -- Polling: when it is due, and the claim of the poller working on it (a lease).
  next_poll_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  nudged_at        timestamptz,
  claim_token      text,
  claimed_at       timestamptz,
  claimed_until    timestamptz,
  last_error       text,
  polled_at        timestamptz,
  -- Polls in a row that found nothing new: the next one waits longer (pr-loop/poll-interval.ts).
  idle_polls       integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (repo, number),
  UNIQUE (origin_task_id)
);
CREATE INDEX pr_watches_due ON pr_watches (next_poll_at) WHERE state = 'open';
CREATE INDEX pr_watches_head ON pr_watches (head_sha) WHERE state = 'open';
CREATE INDEX pr_watches_user ON pr_watches (user_id);

-- The review comments each ABCA pull request received (review threads), upserted by the forge's
-- id at every poll: for the outcome records and for memory (issue 11).
CREATE TABLE pr_review_comments (
  watch_id    bigint NOT NULL REFERENCES pr_watches (id) ON DELETE CASCADE,
  comment_id  text NOT NULL,
  author      text NOT NULL,
  body        text NOT NULL,
  path        text,
  line        integer,
  resolved    boolean NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (watch_id, comment_id)
);

-- Tasks the watcher starts come through the `pr_loop` channel.
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_channel_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_channel_check
  CHECK (channel IN ('api', 'cli', 'webhook', 'github', 'slack', 'pr_loop'));

-- Finding the pull requests ABCA opened (discovery, at every pass) and the iterations on one.
CREATE INDEX tasks_opened_prs ON tasks (task_id)
  WHERE workflow_ref = 'coding/new-task-v1' AND (outcome -> 'pr') IS NOT NULL;
CREATE INDEX tasks_pr_iterations ON tasks (repo, pr_number) WHERE workflow_ref = 'coding/pr-iteration-v1';

-- The watcher's tasks have no chat to answer: no outbox rows for them (as for the API).
CREATE OR REPLACE FUNCTION channel_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ch text;
BEGIN
  IF NEW.type NOT IN ('task.created', 'task.status_changed', 'step.started', 'finalization.pr_opened') THEN
    RETURN NEW;
  END IF;
  SELECT channel INTO ch FROM tasks WHERE task_id = NEW.task_id;
  IF ch IS NULL OR ch IN ('api', 'cli', 'webhook', 'pr_loop') THEN
    RETURN NEW;
  END IF;
  INSERT INTO channel_outbox (task_id, channel, event_seq, event_type, status)
    VALUES (NEW.task_id, ch, NEW.seq, NEW.type, NEW.data->>'to');
  PERFORM pg_notify('abca_channel_outbox', NEW.task_id);
  RETURN NEW;
END $$;
