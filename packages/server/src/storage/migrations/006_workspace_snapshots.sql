-- A checkpoint of the agent's work (a git bundle of the task branch since its base commit), saved
-- when the agent step ends, so finalization can run on a worker on another machine.
CREATE TABLE workspace_snapshots (
  task_id     text PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
  branch      text NOT NULL,
  base_commit text NOT NULL,
  head_commit text NOT NULL,
  bundle      bytea,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
