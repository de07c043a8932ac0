-- Tasks submitted from the dashboard's form come through the `dashboard` channel (they were stored
-- as `api` before; those rows stay as they are).
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_channel_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_channel_check
  CHECK (channel IN ('api', 'cli', 'dashboard', 'webhook', 'github', 'slack', 'pr_loop'));
