-- Human approval gates (docs/approvals.md).
-- One row per request a task waits on. `request_key` names the request within its task (`plan:1`,
-- `push`, `tool:<call id>`): a step that runs again after a crash finds its request, never a twin.
CREATE TABLE approvals (
  approval_id  text PRIMARY KEY,
  task_id      text NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
  gate         text NOT NULL CHECK (gate IN ('plan', 'push', 'tool')),
  request_key  text NOT NULL,
  state        text NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),
  request      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at   timestamptz NOT NULL,
  decided_at   timestamptz,
  decided_by   text,
  channel      text,
  reason       text,
  edited_plan  text,
  UNIQUE (task_id, request_key)
);
CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE state = 'pending';
CREATE INDEX approvals_task ON approvals (task_id, created_at);

-- A task that waits at a gate ends its workflow run; a decision starts the next run (`run_seq`,
-- the workflow id's suffix) at the step that waited (`resume_step`). Waiting holds no slot: the
-- task's `admitted_at` is cleared until admission takes it again.
ALTER TABLE tasks ADD COLUMN run_seq integer NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN resume_step text;
