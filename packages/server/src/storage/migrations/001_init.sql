-- The platform's own tables. DBOS keeps its tables in the `dbos` schema of the same database.
CREATE TABLE users (
  user_id     text PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  key_id       text PRIMARY KEY,
  name         text NOT NULL,
  user_id      text NOT NULL REFERENCES users(user_id),
  secret_hash  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

CREATE TABLE repos (
  repo        text PRIMARY KEY,
  forge       jsonb NOT NULL,
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
  task_id          text PRIMARY KEY,
  user_id          text NOT NULL REFERENCES users(user_id),
  repo             text NOT NULL,
  status           text NOT NULL CHECK (status IN ('SUBMITTED','QUEUED','HYDRATING','RUNNING','AWAITING_APPROVAL',
                                                   'FINALIZING','COMPLETED','FAILED','CANCELLED','TIMED_OUT')),
  workflow_ref     text NOT NULL,
  task_description text,
  issue_number     integer,
  pr_number        integer,
  max_turns        integer NOT NULL,
  max_budget_usd   numeric(10, 2),
  idempotency_key  text,
  branch_name      text,
  pr_url           text,
  current_step     text,
  error            jsonb,
  outcome          jsonb,
  context          jsonb,
  input_tokens     bigint NOT NULL DEFAULT 0,
  output_tokens    bigint NOT NULL DEFAULT 0,
  cost_usd         numeric(12, 6) NOT NULL DEFAULT 0,
  turns            integer NOT NULL DEFAULT 0,
  event_seq        integer NOT NULL DEFAULT 0,
  admitted_at      timestamptz,
  started_at       timestamptz,
  completed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_user_created ON tasks (user_id, task_id DESC);
CREATE INDEX tasks_waiting ON tasks (created_at, task_id) WHERE admitted_at IS NULL AND status IN ('SUBMITTED', 'QUEUED');
CREATE INDEX tasks_active ON tasks (user_id, repo) WHERE admitted_at IS NOT NULL
  AND status IN ('SUBMITTED','HYDRATING','RUNNING','AWAITING_APPROVAL','FINALIZING');

CREATE TABLE task_events (
  task_id  text NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
  seq      integer NOT NULL,
  type     text NOT NULL,
  data     jsonb NOT NULL DEFAULT '{}',
  at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (task_id, seq)
);

-- Events are append-only: the database refuses updates and deletes of single rows.
CREATE FUNCTION task_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'task_events is append-only';
END $$;
CREATE TRIGGER task_events_no_update BEFORE UPDATE ON task_events
  FOR EACH ROW EXECUTE FUNCTION task_events_append_only();

CREATE FUNCTION task_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('abca_task_events', NEW.task_id || ':' || NEW.seq);
  RETURN NEW;
END $$;
CREATE TRIGGER task_events_notify AFTER INSERT ON task_events
  FOR EACH ROW EXECUTE FUNCTION task_events_notify();

CREATE TABLE nudges (
  nudge_id    text PRIMARY KEY,
  task_id     text NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
  user_id     text NOT NULL,
  message     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  consumed_at timestamptz
);
CREATE INDEX nudges_pending ON nudges (task_id, created_at) WHERE consumed_at IS NULL;

CREATE TABLE executors (
  executor_id  text PRIMARY KEY,
  kind         text NOT NULL,
  hostname     text NOT NULL,
  pid          integer NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  stopped_at   timestamptz,
  recovered_at timestamptz
);

-- State of the in-tree fakes of outside services (forge, notifier, agent runtime): they keep it
-- here so that it survives a crash of the process that used them, as the real services would.
CREATE TABLE fake_effects (
  id          bigserial PRIMARY KEY,
  task_id     text NOT NULL,
  effect      text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  executor_id text,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fake_effects_task ON fake_effects (task_id);

CREATE TABLE fake_forge_branches (
  repo    text NOT NULL,
  branch  text NOT NULL,
  head    text NOT NULL,
  PRIMARY KEY (repo, branch)
);

CREATE TABLE fake_forge_pulls (
  number     serial PRIMARY KEY,
  repo       text NOT NULL,
  branch     text NOT NULL,
  base       text NOT NULL,
  title      text NOT NULL,
  body       text NOT NULL,
  draft      boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
