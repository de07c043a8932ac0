-- The task a comment was made for: a task comments once per change request, even when a crash
-- between posting and recording it makes finalization run again.
ALTER TABLE change_request_comments ADD COLUMN task_id text;
CREATE UNIQUE INDEX change_request_comments_task ON change_request_comments (number, task_id)
  WHERE task_id IS NOT NULL;
