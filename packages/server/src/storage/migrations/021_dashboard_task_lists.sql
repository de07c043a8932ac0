-- The dashboard's task list (docs/dashboard.md): newest first (task ids are ULIDs), filtered by
-- state, repo or channel, a page at a time. Each filter walks its own index in task-id order and
-- stops after a page, instead of reading every task of the other filters.
CREATE INDEX tasks_status_id ON tasks (status, task_id DESC);
CREATE INDEX tasks_repo_id ON tasks (repo, task_id DESC);
CREATE INDEX tasks_channel_id ON tasks (channel, task_id DESC);
